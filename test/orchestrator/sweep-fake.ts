import * as sinon from 'sinon';
import { type AwsCall, type AwsOutput, AwsServiceError, type Invoker } from '../../src/aws/invoker';
import { type AnyJson, NOW, sgFinding } from '../findings/helpers';
import { callsTo } from './fake-aws';

/**
 * AWS as the sweep sees it, behind the Invoker interface as a sinon stub: Security Hub holds
 * findings (GetFindings honours the listing's UserDefinedFields filter and pages by 100, or by
 * MaxResults; a GetFindings by Id reads one; BatchUpdateFindings applies note, workflow and fields),
 * SSM holds runs (DescribeAutomationExecutions lists them, GetAutomationExecution reads one), STS
 * and SNS answer. `fail` injects an error per call.
 */
export interface SweepFake {
  invoker: Invoker;
  stub: sinon.SinonStub<[AwsCall], Promise<AwsOutput>>;
  findings: Map<string, AnyJson>;
  runs: AnyJson[];
  fail?: (call: AwsCall) => Error | undefined;
  calls(service: string, operation: string): AwsCall[];
  /** Every call as `service.Operation`, in order. */
  order(): string[];
}

export const DOC = 'Hubfix-Test-SecurityGroup';
export const HOUR = 3_600_000;

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A security group finding hubfix recorded STARTED for `agoMs` ago (note and fields say so). */
export function startedFinding(uuid: string, agoMs = 2 * HOUR, account = '222233334444', region = 'us-east-1'): AnyJson {
  const sg = `sg-${uuid.slice(0, 8)}`;
  const f = sgFinding(account, region, sg, uuid);
  const details = f.Resources[0].Details?.AwsEc2SecurityGroup;
  if (details) details.GroupId = sg;
  const at = iso(NOW - agoMs);
  f.Workflow = { Status: 'NOTIFIED' };
  f.UserDefinedFields = {
    team: 'payments',
    'hubfix:status': 'STARTED',
    'hubfix:execution': 'pending',
    'hubfix:attempts': '1',
    'hubfix:lastAttempt': at,
    'hubfix:attemptTimes': at,
    'hubfix:updatedAt': at,
  };
  f.Note = {
    Text: `${at.slice(0, 16)}Z STARTED exec pending: ${DOC} for EC2.13, attempt 1 started by hubfix || 2024-05-01T10:00Z FAILED exec old-1: an older run`,
    UpdatedBy: 'hubfix',
    UpdatedAt: at,
  };
  return f;
}

/** A GetAutomationExecution record of a run for a finding. */
export function runRecord(
  id: string,
  findingId: string,
  status: string,
  startedAt: number,
  steps: Array<{ StepName: string; StepStatus: string; FailureMessage?: string }> = [],
  extra: Record<string, unknown> = {},
): AnyJson {
  return {
    AutomationExecutionId: id,
    DocumentName: DOC,
    AutomationExecutionStatus: status,
    ExecutionStartTime: iso(startedAt),
    Parameters: { FindingId: [findingId], DryRun: ['false'] },
    StepExecutions: steps,
    ...extra,
  };
}

export function sweepFake(findings: AnyJson[] = [], runs: AnyJson[] = []): SweepFake {
  const fake: Partial<SweepFake> = { findings: new Map(findings.map((f) => [f.Id, f])), runs };
  const stub = sinon.stub<[AwsCall], Promise<AwsOutput>>().callsFake(async (call: AwsCall) => {
    const err = fake.fail?.(call);
    if (err) throw err;
    const key = `${call.service}.${call.operation}`;
    const all = [...(fake.findings as Map<string, AnyJson>).values()];
    switch (key) {
      case 'securityhub.GetFindings': {
        const filters = (call.input.Filters ?? {}) as AnyJson;
        if (filters.Id) {
          const f = (fake.findings as Map<string, AnyJson>).get(filters.Id[0].Value);
          return { Findings: f ? [structuredClone(f)] : [] };
        }
        const want = filters.UserDefinedFields?.[0];
        const matched = all.filter((f) => !want || f.UserDefinedFields?.[want.Key] === want.Value);
        const start = call.input.NextToken ? Number(call.input.NextToken) : 0;
        const max = Number(call.input.MaxResults ?? 100);
        const page = matched.slice(start, start + max).map((f) => structuredClone(f));
        return { Findings: page, ...(start + max < matched.length ? { NextToken: String(start + max) } : {}) };
      }
      case 'securityhub.BatchUpdateFindings': {
        const u = call.input as AnyJson;
        for (const id of u.FindingIdentifiers) {
          const f = (fake.findings as Map<string, AnyJson>).get(id.Id);
          if (!f) continue;
          f.Note = { ...u.Note, UpdatedAt: iso(NOW) };
          if (u.Workflow) f.Workflow = u.Workflow;
          if (u.UserDefinedFields) f.UserDefinedFields = u.UserDefinedFields;
        }
        return { ProcessedFindings: u.FindingIdentifiers, UnprocessedFindings: [] };
      }
      case 'sts.AssumeRole':
        return {
          Credentials: { AccessKeyId: 'ASIAX', SecretAccessKey: 's', SessionToken: `t-${call.input.RoleArn}`, Expiration: iso(NOW + HOUR) },
        };
      case 'ssm.DescribeAutomationExecutions':
        return {
          AutomationExecutionMetadataList: (fake.runs as AnyJson[]).map((r) => ({
            AutomationExecutionId: r.AutomationExecutionId,
            DocumentName: r.DocumentName,
            AutomationExecutionStatus: r.AutomationExecutionStatus,
            ExecutionStartTime: r.ExecutionStartTime,
          })),
        };
      case 'ssm.GetAutomationExecution': {
        const r = (fake.runs as AnyJson[]).find((x) => x.AutomationExecutionId === call.input.AutomationExecutionId);
        if (!r) throw new AwsServiceError('AutomationExecutionNotFoundException', 'no such execution', 'ssm', 'GetAutomationExecution');
        return { AutomationExecution: structuredClone(r) };
      }
      case 'sns.Publish':
        return { MessageId: 'msg-1' };
      default:
        throw new AwsServiceError('UnexpectedCall', `the fake has no ${key}`);
    }
  });
  fake.stub = stub;
  fake.invoker = { call: stub };
  fake.calls = callsTo(stub);
  fake.order = () => stub.getCalls().map((c) => `${c.args[0].service}.${c.args[0].operation}`);
  return fake as SweepFake;
}
