import type { DocumentStep, OutputType, StepOutput } from './document';
import type { AnyHandler, Permission, ScriptHandler } from './handlers';
import { Ref, type Inputs, type TypeOf, renderRefs } from './refs';

/** Where control goes: a step (by value or by name) — compiled to its name or `step:Name`. */
export type StepTarget = string | { readonly name: string };

export interface StepOptions {
  name: string;
  description?: string;
  maxAttempts?: number;
  timeoutSeconds?: number;
  onFailure?: 'Abort' | 'Continue' | StepTarget;
  onCancel?: 'Abort' | StepTarget;
  isEnd?: boolean;
  nextStep?: StepTarget;
  isCritical?: boolean;
}

export interface OutputDecl {
  readonly selector: string;
  readonly type: OutputType;
}

type OutRefs<O extends Record<string, OutputDecl>> = { readonly [K in keyof O]: Ref<TypeOf<O[K]['type']>> };

/**
 * A step as a typed value: its document form is produced by `toDocument()`; `out` holds typed
 * references to its outputs; `calls` lists the AWS operations it makes (for the policy);
 * `handler` is set for script steps.
 */
export interface Step<O = Record<string, Ref<unknown>>> {
  readonly name: string;
  readonly action: string;
  readonly out: O;
  readonly calls: ReadonlyArray<{ service: string; api: string }>;
  readonly handler?: AnyHandler;
  readonly permissions: readonly Permission[];
  readonly children: readonly Step<unknown>[];
  readonly options: StepOptions;
  toDocument(): DocumentStep;
}

export const STEP_RUNNER_FUNCTION = 'hubfix-step-runner';

function targetName(t: StepTarget): string {
  return typeof t === 'string' ? t : t.name;
}

function flow(o: StepOptions): Partial<DocumentStep> {
  const d: Partial<DocumentStep> = {};
  if (o.description) d.description = o.description;
  if (o.maxAttempts !== undefined) d.maxAttempts = o.maxAttempts;
  if (o.timeoutSeconds !== undefined) d.timeoutSeconds = o.timeoutSeconds;
  if (o.onFailure !== undefined)
    d.onFailure = o.onFailure === 'Abort' || o.onFailure === 'Continue' ? o.onFailure : `step:${targetName(o.onFailure)}`;
  if (o.onCancel !== undefined) d.onCancel = o.onCancel === 'Abort' ? 'Abort' : `step:${targetName(o.onCancel)}`;
  if (o.isEnd !== undefined) d.isEnd = o.isEnd;
  if (o.nextStep !== undefined) d.nextStep = targetName(o.nextStep);
  if (o.isCritical !== undefined) d.isCritical = o.isCritical;
  return d;
}

function outRefs<O extends Record<string, OutputDecl>>(name: string, outputs: O): OutRefs<O> {
  const refs: Record<string, Ref<unknown>> = {};
  for (const k of Object.keys(outputs)) refs[k] = new Ref(`${name}.${k}`);
  return refs as OutRefs<O>;
}

function outList(outputs: Record<string, OutputDecl>): StepOutput[] | undefined {
  const list = Object.entries(outputs).map(([Name, o]) => ({ Name, Selector: o.selector, Type: o.type }));
  return list.length ? list : undefined;
}

interface BuildArgs<O> {
  options: StepOptions;
  action: string;
  inputs: Record<string, unknown>;
  out: O;
  outputs?: StepOutput[];
  calls?: Array<{ service: string; api: string }>;
  handler?: AnyHandler;
  children?: Step<unknown>[];
  renderChildren?: () => Record<string, unknown>;
}

function build<O>(a: BuildArgs<O>): Step<O> {
  return {
    name: a.options.name,
    action: a.action,
    out: a.out,
    calls: a.calls ?? [],
    handler: a.handler,
    permissions: a.handler?.permissions ?? [],
    children: a.children ?? [],
    options: a.options,
    toDocument(): DocumentStep {
      const inputs = renderRefs({ ...a.inputs, ...(a.renderChildren ? a.renderChildren() : {}) }) as Record<string, unknown>;
      const d: DocumentStep = { name: a.options.name, action: a.action, ...flow(a.options) };
      const ordered: DocumentStep = { name: d.name, action: d.action };
      if (d.description) ordered.description = d.description;
      Object.assign(ordered, d);
      ordered.inputs = inputs;
      if (a.outputs) ordered.outputs = a.outputs;
      return ordered;
    },
  };
}

type ApiArgs<O> = StepOptions & { service: string; api: string; params?: Record<string, unknown>; outputs?: O };

/** aws:executeAwsApi — one API call, outputs picked with JSONPath selectors. */
export function executeAwsApi<O extends Record<string, OutputDecl> = Record<string, never>>(a: ApiArgs<O>): Step<OutRefs<O>> {
  const outputs = (a.outputs ?? {}) as O;
  return build({
    options: a,
    action: 'aws:executeAwsApi',
    inputs: { Service: a.service, Api: a.api, ...(a.params ?? {}) },
    out: outRefs(a.name, outputs),
    outputs: outList(outputs),
    calls: [{ service: a.service, api: a.api }],
  });
}

type PropertyArgs = StepOptions & {
  service: string;
  api: string;
  params?: Record<string, unknown>;
  propertySelector: string;
  desiredValues: string[];
};

/** aws:assertAwsResourceProperty — fail unless the selected property is one of the values. */
export function assertAwsResourceProperty(a: PropertyArgs): Step<Record<string, never>> {
  return build({
    options: a,
    action: 'aws:assertAwsResourceProperty',
    inputs: { Service: a.service, Api: a.api, ...(a.params ?? {}), PropertySelector: a.propertySelector, DesiredValues: a.desiredValues },
    out: {},
    calls: [{ service: a.service, api: a.api }],
  });
}

/** aws:waitForAwsResourceProperty — poll until the selected property is one of the values. */
export function waitForAwsResourceProperty(a: PropertyArgs): Step<Record<string, never>> {
  return build({
    options: a,
    action: 'aws:waitForAwsResourceProperty',
    inputs: { Service: a.service, Api: a.api, ...(a.params ?? {}), PropertySelector: a.propertySelector, DesiredValues: a.desiredValues },
    out: {},
    calls: [{ service: a.service, api: a.api }],
  });
}

export type ChoiceOperator =
  | 'StringEquals'
  | 'EqualsIgnoreCase'
  | 'StartsWith'
  | 'EndsWith'
  | 'Contains'
  | 'NumericEquals'
  | 'NumericGreater'
  | 'NumericLesser'
  | 'NumericGreaterOrEquals'
  | 'NumericLesserOrEquals'
  | 'BooleanEquals';

/** A condition of a branch choice: one comparison, or And / Or / Not of conditions. */
export type Condition =
  | { variable: Ref<unknown>; op: ChoiceOperator; value: string | number | boolean }
  | { and: Condition[] }
  | { or: Condition[] }
  | { not: Condition };

function renderCondition(c: Condition): Record<string, unknown> {
  if ('and' in c) return { And: c.and.map(renderCondition) };
  if ('or' in c) return { Or: c.or.map(renderCondition) };
  if ('not' in c) return { Not: renderCondition(c.not) };
  return { Variable: c.variable.toString(), [c.op]: c.value };
}

/** aws:branch — the first choice whose condition holds picks the next step; else Default. */
export function branch(
  a: StepOptions & { choices: Array<{ next: StepTarget; when: Condition }>; default?: StepTarget },
): Step<Record<string, never>> {
  const choices = a.choices.map((c) => ({ NextStep: targetName(c.next), ...renderCondition(c.when) }));
  const inputs: Record<string, unknown> = { Choices: choices };
  if (a.default !== undefined) inputs.Default = targetName(a.default);
  return build({ options: a, action: 'aws:branch', inputs, out: {} });
}

/** aws:sleep — an ISO 8601 duration (`PT30S`) or a timestamp. */
export function sleep(a: StepOptions & ({ duration: string } | { timestamp: string })): Step<Record<string, never>> {
  const inputs = 'duration' in a ? { Duration: a.duration } : { Timestamp: a.timestamp };
  return build({ options: a, action: 'aws:sleep', inputs, out: {} });
}

/** aws:approve — wait for approvers. */
export function approve(
  a: StepOptions & {
    approvers: Array<string | Ref<string[]>> | Ref<string[]>;
    minRequiredApprovals?: number;
    message?: string;
    notificationArn?: string;
  },
): Step<Record<string, never>> {
  const inputs: Record<string, unknown> = { Approvers: a.approvers };
  if (a.minRequiredApprovals !== undefined) inputs.MinRequiredApprovals = a.minRequiredApprovals;
  if (a.message !== undefined) inputs.Message = a.message;
  if (a.notificationArn !== undefined) inputs.NotificationArn = a.notificationArn;
  return build({ options: a, action: 'aws:approve', inputs, out: {} });
}

/** aws:pause — wait until the execution is resumed. */
export function pause(a: StepOptions): Step<Record<string, never>> {
  return build({ options: a, action: 'aws:pause', inputs: {}, out: {} });
}

/** aws:executeAutomation — run another automation document as a child. */
export function executeAutomation(
  a: StepOptions & { documentName: string; runtimeParameters?: Record<string, unknown> },
): Step<{ ExecutionId: Ref<string>; Status: Ref<string>; Output: Ref<string[]> }> {
  const inputs: Record<string, unknown> = { DocumentName: a.documentName };
  if (a.runtimeParameters) inputs.RuntimeParameters = a.runtimeParameters;
  return build({
    options: a,
    action: 'aws:executeAutomation',
    inputs,
    out: { ExecutionId: new Ref(`${a.name}.ExecutionId`), Status: new Ref(`${a.name}.Status`), Output: new Ref(`${a.name}.Output`) },
  });
}

/** aws:loop — run nested steps while a condition holds or over a list (at most 100 iterations). */
export function loop(
  a: StepOptions & {
    steps: Step<unknown>[];
    iterators?: Ref<unknown[]> | unknown[];
    loopCondition?: Condition;
    maxIterations?: number;
  },
): Step<{ CurrentIteration: Ref<number>; CurrentIteratorValue: Ref<unknown> }> {
  const inputs: Record<string, unknown> = {};
  if (a.iterators !== undefined) inputs.Iterators = a.iterators;
  if (a.loopCondition) inputs.LoopCondition = renderCondition(a.loopCondition);
  if (a.maxIterations !== undefined) inputs.MaxIterations = a.maxIterations;
  return build({
    options: a,
    action: 'aws:loop',
    inputs,
    out: { CurrentIteration: new Ref(`${a.name}.CurrentIteration`), CurrentIteratorValue: new Ref(`${a.name}.CurrentIteratorValue`) },
    children: a.steps,
    renderChildren: () => ({ Steps: a.steps.map((s) => s.toDocument()) }),
  });
}

/** aws:updateVariable — set a document variable. */
export function updateVariable(a: StepOptions & { variable: string; value: unknown }): Step<Record<string, never>> {
  return build({ options: a, action: 'aws:updateVariable', inputs: { Name: `variable:${a.variable}`, Value: a.value }, out: {} });
}

/**
 * A script step: a TypeScript handler run by the step runner Lambda. It compiles to
 * aws:invokeLambdaFunction with the handler id, the automation's role and execution id in the
 * payload; each declared output becomes a Selector into the returned payload.
 */
export function script<I, O extends Record<string, unknown>>(
  a: StepOptions & { handler: ScriptHandler<I, O>; input: Inputs<I> },
): Step<{ readonly [K in keyof O]: Ref<O[K]> }> {
  const outputs: Record<string, OutputDecl> = {};
  for (const [k, type] of Object.entries(a.handler.outputs) as Array<[string, OutputType]>)
    outputs[k] = { selector: `$.Payload.${k}`, type };
  return build({
    options: a,
    action: 'aws:invokeLambdaFunction',
    inputs: {
      FunctionName: STEP_RUNNER_FUNCTION,
      InputPayload: {
        handler: a.handler.id,
        roleArn: new Ref('AutomationAssumeRole'),
        executionId: new Ref('automation:EXECUTION_ID'),
        input: a.input,
      },
    },
    out: outRefs(a.name, outputs) as unknown as { readonly [K in keyof O]: Ref<O[K]> },
    outputs: outList(outputs),
    calls: [{ service: 'lambda', api: 'Invoke' }],
    handler: a.handler as unknown as AnyHandler,
  });
}

/** Every step in a list, loop bodies included, in document order. */
export function flattenSteps(steps: readonly Step<unknown>[]): Step<unknown>[] {
  const out: Step<unknown>[] = [];
  for (const s of steps) {
    out.push(s);
    out.push(...flattenSteps(s.children));
  }
  return out;
}
