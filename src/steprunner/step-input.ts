/**
 * The step runner's pure checks of a payload against SSM's record of the step in progress (no I/O,
 * no imports of the compiler), shared by the Lambda and the local engine's in-process runner.
 */

/** What an invoker sends the step runner: claims, until SSM's record bears them out. */
export interface StepRunnerEvent {
  handler: string;
  roleArn: string;
  executionId: string;
  input: Record<string, unknown>;
}

/** A refusal: what was wrong with the invocation, said in one line. */
export class StepRunnerRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepRunnerRefusal';
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** SSM gives each of a step's Inputs as a string: a map as its JSON, a String possibly JSON-quoted. */
function decodeInput(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    const once = JSON.parse(value) as unknown;
    return typeof once === 'string' ? JSON.parse(once) : once;
  } catch {
    return undefined;
  }
}

/** JSON with object keys sorted, so that two equal values compare equal as text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value))
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/**
 * The input SSM resolved for the step in progress, pure. The execution record's StepExecutions
 * hold the step's fully resolved Inputs (InputPayload as JSON, or the older Payload string); the
 * handler runs on that input, never on the invoker's. A payload whose handler, execution or input
 * differs from what the step resolved is refused, so a mismatch never reaches an AssumeRole.
 */
export function resolvedStepInput(
  response: unknown,
  e: Pick<StepRunnerEvent, 'handler' | 'executionId' | 'input'>,
  step: string,
): Record<string, unknown> {
  const x = isRecord(response) && isRecord(response.AutomationExecution) ? response.AutomationExecution : {};
  const steps = Array.isArray(x.StepExecutions) ? x.StepExecutions.filter(isRecord) : [];
  const running = steps.filter(
    (s) => s.StepName === step && s.Action === 'aws:invokeLambdaFunction' && s.StepStatus === 'InProgress' && isRecord(s.Inputs),
  );
  if (running.length !== 1)
    throw new StepRunnerRefusal(`execution ${e.executionId} step ${step}: SSM shows ${running.length} invocations in progress, not 1`);
  const inputs = running[0].Inputs as Record<string, unknown>;
  const resolved = decodeInput(inputs.InputPayload ?? inputs.Payload);
  if (!isRecord(resolved) || resolved.handler !== e.handler || resolved.executionId !== e.executionId || !isRecord(resolved.input))
    throw new StepRunnerRefusal(`execution ${e.executionId} step ${step}: SSM resolved no payload for ${e.handler} in this execution`);
  if (canonicalJson(resolved.input) !== canonicalJson(e.input))
    throw new StepRunnerRefusal(
      `execution ${e.executionId} step ${step}: the payload's input differs from the input SSM resolved for the step`,
    );
  return resolved.input;
}
