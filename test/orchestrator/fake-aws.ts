import * as sinon from 'sinon';
import { type AwsCall, type AwsOutput, AwsServiceError, type Invoker } from '../../src/aws/invoker';

/**
 * A stand-in for AWS behind the Invoker interface, as a sinon stub: STS AssumeRole gives
 * credentials per role; SSM StartAutomationExecution honours ClientToken idempotency (the same
 * token returns the same execution) ; BatchUpdateFindings applies the fields; GetFindings and
 * SNS Publish answer. `fail` injects errors per call.
 */
export interface FakeAws {
  invoker: Invoker;
  stub: sinon.SinonStub<[AwsCall], Promise<AwsOutput>>;
  /** ClientToken → execution id. */
  executions: Map<string, string>;
  /** Every StartAutomationExecution input that actually created an execution. */
  started: Array<{ call: AwsCall; executionId: string }>;
  calls(service: string, operation: string): AwsCall[];
  /** Returns an error (or undefined) for a call; called before the default behaviour. */
  fail?: (call: AwsCall, n: number) => Error | undefined;
  /** Ids BatchUpdateFindings reports unprocessed on its next answers. */
  unprocessed: Array<{ id: string; code: string; times: number }>;
  findings: unknown[];
  /** What DescribeAutomationExecutions lists (the executions SSM knows besides `started`). */
  runs: Array<{ DocumentName: string; AutomationExecutionStatus: string }>;
}

export function fakeAws(): FakeAws {
  const fake: Partial<FakeAws> = { executions: new Map(), started: [], unprocessed: [], findings: [], runs: [] };
  let n = 0;
  const stub = sinon.stub<[AwsCall], Promise<AwsOutput>>().callsFake(async (call: AwsCall) => {
    n++;
    const err = fake.fail?.(call, n);
    if (err) throw err;
    const key = `${call.service}.${call.operation}`;
    switch (key) {
      case 'sts.AssumeRole': {
        const role = String(call.input.RoleArn);
        return {
          Credentials: {
            AccessKeyId: `ASIA${role.length}`,
            SecretAccessKey: 'secret',
            SessionToken: `token-for-${role}`,
            Expiration: new Date(Date.parse('2024-06-01T13:00:00Z')).toISOString(),
          },
        };
      }
      case 'ssm.StartAutomationExecution': {
        const token = String(call.input.ClientToken);
        let id = fake.executions?.get(token);
        const earlier = fake.started?.find((st) => st.call.input.ClientToken === token);
        if (earlier && JSON.stringify(earlier.call.input.Parameters) !== JSON.stringify(call.input.Parameters))
          throw new AwsServiceError('IdempotentParameterMismatch', 'the token was used with other parameters');
        if (!id) {
          id = `exec-${String(fake.executions?.size ?? 0).padStart(4, '0')}-0000-4000-8000-000000000000`;
          fake.executions?.set(token, id);
          fake.started?.push({ call, executionId: id });
        }
        return { AutomationExecutionId: id };
      }
      case 'securityhub.BatchUpdateFindings': {
        const ids = (call.input.FindingIdentifiers as Array<{ Id: string }>).map((f) => f.Id);
        const unprocessed: Array<{ FindingIdentifier: { Id: string; ProductArn: string }; ErrorCode: string; ErrorMessage: string }> = [];
        for (const u of fake.unprocessed ?? [])
          if (u.times > 0 && ids.includes(u.id)) {
            u.times--;
            unprocessed.push({ FindingIdentifier: { Id: u.id, ProductArn: 'p' }, ErrorCode: u.code, ErrorMessage: 'try again' });
          }
        return {
          ProcessedFindings: ids.filter((i) => !unprocessed.some((u) => u.FindingIdentifier.Id === i)).map((Id) => ({ Id })),
          UnprocessedFindings: unprocessed,
        };
      }
      case 'ssm.DescribeAutomationExecutions':
        return { AutomationExecutionMetadataList: fake.runs ?? [] };
      case 'securityhub.GetFindings':
        return { Findings: fake.findings ?? [] };
      case 'sns.Publish':
        return { MessageId: `msg-${n}` };
      default:
        throw new AwsServiceError('UnexpectedCall', `the fake has no ${key}`);
    }
  });
  fake.stub = stub;
  fake.invoker = { call: stub };
  fake.calls = callsTo(stub);
  return fake as FakeAws;
}

/** The calls a stubbed invoker got for one operation, in order. */
export function callsTo(stub: sinon.SinonStub<[AwsCall], Promise<AwsOutput>>): (service: string, operation: string) => AwsCall[] {
  return (service, operation) =>
    stub
      .getCalls()
      .map((c) => c.args[0])
      .filter((c) => c.service === service && c.operation === operation);
}
