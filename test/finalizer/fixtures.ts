import * as sinon from 'sinon';
import { type AwsOutput, AwsServiceError } from '../../src/aws/invoker';
import type { FinalizeInput } from '../../src/finalizer/contract';
import type { ScriptContext } from '../../src/model/handlers';

export const EXEC = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
export const FINDING_ID = `arn:aws:securityhub:${REGION}:${ACCOUNT}:security-control/IAM.15/finding/6c0f4c7e-2b8a-4f1c-9d3e-000000000001`;
export const PRODUCT_ARN = `arn:aws:securityhub:${REGION}::product/aws/securityhub`;
export const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:hubfix-outcomes`;
export const NOW = new Date('2024-05-01T12:34:56Z');

export function finalizeInput(over: Partial<FinalizeInput> = {}): FinalizeInput {
  return {
    document: 'Hubfix-IAM-PasswordPolicy',
    executionId: EXEC,
    findingId: FINDING_ID,
    productArn: PRODUCT_ARN,
    topicArn: TOPIC_ARN,
    dryRun: false,
    controls: ['IAM.11', 'IAM.15'],
    aliases: ['cis-1.2.0:1.5', 'cis-1.2.0:1.9'],
    resource: {},
    facts: {
      decision: 'Plan.Decision',
      before: 'Plan.Before',
      summary: 'Plan.Summary',
      changed: 'Apply.Changed',
      after: 'Verify.After',
      verified: 'Verify.Verified',
    },
    ...over,
  };
}

type StepSpec = { name: string; status: string; outputs?: Record<string, unknown>; failure?: string };

/** A GetAutomationExecution response as SSM shapes it: every output value a list of strings. */
export function executionResponse(steps: StepSpec[], status = 'InProgress'): AwsOutput {
  return {
    AutomationExecution: {
      AutomationExecutionId: EXEC,
      DocumentName: 'Hubfix-IAM-PasswordPolicy',
      AutomationExecutionStatus: status,
      StepExecutions: steps.map((s) => ({
        StepName: s.name,
        StepStatus: s.status,
        Outputs: Object.fromEntries(Object.entries(s.outputs ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])),
        ...(s.failure !== undefined ? { FailureMessage: s.failure } : {}),
      })),
    },
  };
}

export const PLAN_REMEDIATE: StepSpec = {
  name: 'Plan',
  status: 'Success',
  outputs: {
    Decision: 'remediate',
    Before: '{"MinimumPasswordLength":8,"RequireSymbols":false}',
    Summary: 'password policy: MinimumPasswordLength 8 → 14; RequireSymbols false → true',
  },
};
export const GATE: StepSpec = { name: 'Gate', status: 'Success' };
export const APPLY_OK: StepSpec = {
  name: 'Apply',
  status: 'Success',
  outputs: { Changed: 'MinimumPasswordLength 8 → 14; RequireSymbols false → true', Applied: '{"MinimumPasswordLength":14}' },
};
export const VERIFY_OK: StepSpec = {
  name: 'Verify',
  status: 'Success',
  // a StringMap output may arrive parsed (local engine) or JSON-encoded (SSM)
  outputs: { Verified: 'true', After: { MinimumPasswordLength: 14, RequireSymbols: true }, Unmet: '' },
};

export type Answer = AwsOutput | Error | ((input: Record<string, unknown>) => AwsOutput | Promise<AwsOutput>);

/** A ScriptContext whose aws() answers from a table keyed `service:Operation`; unknown calls fail. */
export function stubContext(answers: Record<string, Answer>, over: Partial<ScriptContext> = {}) {
  const aws = sinon.stub().callsFake(async (service: string, operation: string, input: Record<string, unknown> = {}) => {
    const a = answers[`${service}:${operation}`];
    if (a === undefined) throw new AwsServiceError('UnexpectedCall', `no stub for ${service}:${operation}`);
    if (a instanceof Error) throw a;
    return typeof a === 'function' ? a(input) : a;
  });
  const ctx: ScriptContext = {
    aws: aws as unknown as ScriptContext['aws'],
    region: REGION,
    account: ACCOUNT,
    partition: 'aws',
    executionId: EXEC,
    now: () => NOW,
    sleep: async () => {},
    ...over,
  };
  return { ctx, aws };
}

/** The inputs of every call made to `service:Operation`. */
export function callsTo(aws: sinon.SinonStub, service: string, operation: string): Record<string, unknown>[] {
  return aws
    .getCalls()
    .filter((c) => c.args[0] === service && c.args[1] === operation)
    .map((c) => c.args[2] as Record<string, unknown>);
}

export function operations(aws: sinon.SinonStub): string[] {
  return aws.getCalls().map((c) => `${c.args[0]}:${c.args[1]}`);
}

/** The messages published, parsed. */
export function published(aws: sinon.SinonStub): Array<Record<string, unknown>> {
  return callsTo(aws, 'sns', 'Publish').map((i) => JSON.parse(String(i.Message)) as Record<string, unknown>);
}

export function existingFinding(note?: string, fields: Record<string, string> = {}) {
  return {
    Findings: [
      {
        ...asffFinding(),
        ...(note ? { Note: { Text: note, UpdatedBy: 'someone', UpdatedAt: '2024-04-01T00:00:00Z' } } : {}),
        UserDefinedFields: fields,
        Workflow: { Status: 'NOTIFIED' },
      },
    ],
  };
}

/** The BatchUpdateFindings request hubfix sends, typed for assertions. */
export interface UpdateRequest {
  FindingIdentifiers: Array<{ Id: string; ProductArn: string }>;
  Note: { Text: string; UpdatedBy: string };
  Workflow: { Status: string };
  UserDefinedFields: Record<string, string>;
}

/** A failed IAM.15 finding as Security Hub's own control would import it (ASFF). */
export function asffFinding(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    SchemaVersion: '2018-10-08',
    Id: FINDING_ID,
    ProductArn: PRODUCT_ARN,
    GeneratorId: 'security-control/IAM.15',
    AwsAccountId: ACCOUNT,
    CreatedAt: '2024-05-01T00:00:00Z',
    UpdatedAt: '2024-05-01T12:00:00Z',
    Title: 'IAM.15 Ensure IAM password policy requires minimum password length of 14 or greater',
    Description: 'This control checks whether the account password policy requires a minimum length of 14.',
    Region: REGION,
    Severity: { Label: 'MEDIUM' },
    Types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
    Resources: [{ Type: 'AwsAccount', Id: `AWS::::Account:${ACCOUNT}`, Partition: 'aws', Region: REGION }],
    Compliance: { Status: 'FAILED', SecurityControlId: 'IAM.15' },
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
    ...over,
  };
}
