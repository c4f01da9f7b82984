import { MockInvoker, type MockEntry } from '../../src/aws/mock-invoker';
import type { PolicyDocument } from '../../src/aws/policy-check';
import { VirtualClock } from '../../src/engine/clock';
import { type AutomationResult, type RunOptions, type RunnableDocument, runAutomation } from '../../src/engine/engine';
import type { StepExecutionRecord } from '../../src/engine/record';
import type { AutomationDocument, DocumentParameter, DocumentStep } from '../../src/model/document';

export const ACCOUNT = '111122223333';
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/HubfixTest`;

/** A document that assumes its role from AutomationAssumeRole, with extra parameters. */
export function doc(
  mainSteps: DocumentStep[],
  extra: { parameters?: Record<string, DocumentParameter>; outputs?: string[]; variables?: AutomationDocument['variables'] } = {},
): AutomationDocument {
  const d: AutomationDocument = {
    schemaVersion: '0.3',
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters: { AutomationAssumeRole: { type: 'String' }, ...(extra.parameters ?? {}) },
    mainSteps,
  };
  if (extra.outputs) d.outputs = extra.outputs;
  if (extra.variables) d.variables = extra.variables;
  return d;
}

/** An aws:executeAwsApi step. */
export function api(
  name: string,
  service: string,
  apiName: string,
  more: Partial<DocumentStep> & { params?: Record<string, unknown> } = {},
): DocumentStep {
  const { params, ...rest } = more;
  return { name, action: 'aws:executeAwsApi', inputs: { Service: service, Api: apiName, ...(params ?? {}) }, ...rest };
}

export function sleepStep(name: string, duration = 'PT1S', more: Partial<DocumentStep> = {}): DocumentStep {
  return { name, action: 'aws:sleep', inputs: { Duration: duration }, ...more };
}

export interface Harness {
  result: AutomationResult;
  invoker: MockInvoker;
  clock: VirtualClock;
}

export async function run(
  document: AutomationDocument,
  params: Record<string, unknown> = {},
  opts: Partial<RunOptions> & { mocks?: MockEntry[]; policy?: PolicyDocument; name?: string; extraDocs?: Partial<RunnableDocument> } = {},
): Promise<Harness> {
  const { mocks, policy, name, ...options } = opts;
  const invoker = (options.invoker as MockInvoker | undefined) ?? new MockInvoker({ mocks: mocks ?? [] });
  const clock = (options.clock as VirtualClock | undefined) ?? new VirtualClock();
  const result = await runAutomation(
    { name: name ?? 'Test-Doc', document, policy },
    { ...(document.parameters?.AutomationAssumeRole ? { AutomationAssumeRole: ROLE } : {}), ...params },
    { region: 'us-east-1', ...options, invoker, clock },
  );
  return { result, invoker, clock };
}

export function stepOf(h: Harness | AutomationResult, name: string): StepExecutionRecord {
  const record = 'result' in h ? h.result.record : h.record;
  const found = record.StepExecutions.filter((s) => s.StepName === name);
  if (found.length === 0) throw new Error(`step ${name} did not run; ran: ${record.StepExecutions.map((s) => s.StepName).join(', ')}`);
  return found[found.length - 1];
}

export function ranSteps(h: Harness): string[] {
  return h.result.record.StepExecutions.map((s) => s.StepName);
}

export const ALLOW_ALL: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['*'], Resource: ['*'] }] };
