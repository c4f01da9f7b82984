import { iamActionFor } from '../iam/actions';
import type { AutomationDocument, DocumentStep, OutputType } from '../model/document';
import { PARAMETER_TYPES, STEP_NAME_PATTERN } from '../model/document';
import { STEP_RUNNER_FUNCTION } from '../model/steps';
import { checkCondition } from './conditions';
import { EngineInputError } from './errors';
import { type KnownNames, type Resolver, compileTemplate } from './interpolate';
import { type Selector, compileSelector } from './selector';

/**
 * A document compiled once for execution: templates and selectors turned into closures, jump
 * targets resolved to indexes, and everything SSM checks when a document is created checked here
 * (the engine refuses a document it cannot run faithfully before any step runs).
 */

export type FailureRoute = { kind: 'Abort' } | { kind: 'Continue' } | { kind: 'Step'; target: string };
export type CancelRoute = { kind: 'Abort' } | { kind: 'Step'; target: string };

export interface CompiledOutput {
  name: string;
  type: OutputType;
  selector: Selector;
}

export interface CompiledStep {
  name: string;
  action: string;
  def: DocumentStep;
  /** The step's inputs with references resolved (for aws:loop: without Steps and LoopCondition). */
  inputs: Resolver;
  outputs: CompiledOutput[];
  maxAttempts: number;
  /** Per attempt; undefined means no limit of our own (the action's documented maximum applies). */
  timeoutMs: number | undefined;
  onFailure: FailureRoute;
  onCancel: CancelRoute;
  isEnd: boolean;
  nextStep: string | undefined;
  isCritical: boolean;
  /** aws:assertAwsResourceProperty / aws:waitForAwsResourceProperty */
  propertySelector?: Selector;
  /** aws:loop */
  body?: CompiledSequence;
  loopCondition?: Resolver;
  /** aws:invokeLambdaFunction to the step runner */
  isScript?: boolean;
}

export interface CompiledSequence {
  steps: CompiledStep[];
  index: Map<string, number>;
}

export interface CompiledDocument {
  name: string;
  document: AutomationDocument;
  main: CompiledSequence;
  known: KnownNames;
  assumeRole?: Resolver;
  /** Document outputs: `Step.Output` names. */
  outputs: Array<{ name: string; step: string; output: string }>;
  /** The IAM actions the document's own steps call (the policy of a document from outside the build). */
  ownActions: Set<string>;
}

/** Defaults SSM documents for actions that wait (seconds). */
const DEFAULT_TIMEOUT_SECONDS: Readonly<Record<string, number>> = {
  'aws:approve': 604800,
  'aws:pause': 604800,
  'aws:assertAwsResourceProperty': 3600,
  'aws:waitForAwsResourceProperty': 3600,
  'aws:invokeLambdaFunction': 300,
};

const API_ACTIONS = new Set(['aws:executeAwsApi', 'aws:assertAwsResourceProperty', 'aws:waitForAwsResourceProperty']);
const OUTPUT_TYPES: ReadonlySet<string> = new Set(PARAMETER_TYPES);

function invalid(where: string, why: string): never {
  throw new EngineInputError('InvalidDocument', `${where}: ${why}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stepTarget(value: string, where: string, field: string): string {
  if (!value.startsWith('step:'))
    invalid(where, `${field} must be Abort${field === 'onFailure' ? ', Continue' : ''} or step:<name>, not ${JSON.stringify(value)}`);
  return value.slice('step:'.length);
}

function collectNames(steps: readonly DocumentStep[], into: Set<string>, where: string): void {
  steps.forEach((s, i) => {
    if (!isPlainObject(s)) invalid(`${where}[${i}]`, 'a step must be a map');
    if (typeof s.name !== 'string' || !STEP_NAME_PATTERN.test(s.name))
      invalid(`${where}[${i}]`, `step name ${JSON.stringify(s.name)} must match [a-zA-Z0-9_]+`);
    if (into.has(s.name)) invalid(`step ${s.name}`, 'the name is used by another step');
    into.add(s.name);
    if (typeof s.action !== 'string') invalid(`step ${s.name}`, 'needs an action');
    if (s.action === 'aws:loop') {
      const inner = (s.inputs as Record<string, unknown> | undefined)?.Steps;
      if (!Array.isArray(inner) || inner.length === 0) invalid(`step ${s.name}`, 'aws:loop needs inputs.Steps (a non-empty list)');
      collectNames(inner as DocumentStep[], into, `step ${s.name}.inputs.Steps`);
    }
  });
}

function compileOutputs(step: DocumentStep): CompiledOutput[] {
  if (step.outputs === undefined) return [];
  if (!Array.isArray(step.outputs)) invalid(`step ${step.name}`, 'outputs must be a list');
  const seen = new Set<string>();
  return step.outputs.map((o, i) => {
    const where = `step ${step.name}.outputs[${i}]`;
    if (!isPlainObject(o) || typeof o.Name !== 'string' || !o.Name) invalid(where, 'needs Name, Selector and Type');
    if (seen.has(o.Name)) invalid(where, `output ${o.Name} is declared twice`);
    seen.add(o.Name);
    if (!OUTPUT_TYPES.has(o.Type)) invalid(where, `Type ${JSON.stringify(o.Type)} is not one of ${PARAMETER_TYPES.join(', ')}`);
    return { name: o.Name, type: o.Type, selector: compileSelector(o.Selector, where) };
  });
}

/** IAM actions a step's own definition calls (nested loop steps included). */
function actionsOfStep(step: DocumentStep, into: Set<string>): void {
  const inputs = (step.inputs ?? {}) as Record<string, unknown>;
  if (API_ACTIONS.has(step.action) && typeof inputs.Service === 'string' && typeof inputs.Api === 'string') {
    try {
      into.add(iamActionFor(inputs.Service, inputs.Api));
    } catch {
      // a service hubfix has no client for: the call itself fails when the step runs
    }
  }
  if (step.action === 'aws:invokeLambdaFunction') into.add('lambda:InvokeFunction');
  if (step.action === 'aws:loop' && Array.isArray(inputs.Steps)) for (const s of inputs.Steps as DocumentStep[]) actionsOfStep(s, into);
}

function compileStep(step: DocumentStep, known: KnownNames, scopes: Array<Map<string, number>>): CompiledStep {
  const where = `step ${step.name}`;
  const targetExists = (name: string, field: string) => {
    if (!scopes.some((m) => m.has(name))) invalid(where, `${field} names no step "${name}" it can reach`);
    return name;
  };
  if (step.inputs !== undefined && !isPlainObject(step.inputs)) invalid(where, 'inputs must be a map');
  const rawInputs = { ...(step.inputs ?? {}) } as Record<string, unknown>;

  let onFailure: FailureRoute = { kind: 'Abort' };
  if (step.onFailure !== undefined && step.onFailure !== 'Abort') {
    if (typeof step.onFailure !== 'string') invalid(where, 'onFailure must be a string');
    onFailure =
      step.onFailure === 'Continue'
        ? { kind: 'Continue' }
        : { kind: 'Step', target: targetExists(stepTarget(step.onFailure, where, 'onFailure'), 'onFailure') };
  }
  let onCancel: CancelRoute = { kind: 'Abort' };
  if (step.onCancel !== undefined && step.onCancel !== 'Abort') {
    if (typeof step.onCancel !== 'string') invalid(where, 'onCancel must be a string');
    onCancel = { kind: 'Step', target: targetExists(stepTarget(step.onCancel, where, 'onCancel'), 'onCancel') };
  }
  if (step.nextStep !== undefined) targetExists(step.nextStep, 'nextStep');
  const maxAttempts = step.maxAttempts ?? 1;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) invalid(where, 'maxAttempts must be a positive integer');
  const timeoutSeconds = step.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS[step.action];
  if (timeoutSeconds !== undefined && !(typeof timeoutSeconds === 'number' && timeoutSeconds > 0))
    invalid(where, 'timeoutSeconds must be a positive number');

  const compiled: CompiledStep = {
    name: step.name,
    action: step.action,
    def: step,
    inputs: () => ({}),
    outputs: compileOutputs(step),
    maxAttempts,
    timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000,
    onFailure,
    onCancel,
    isEnd: step.isEnd === true,
    nextStep: step.nextStep,
    // SSM: isCritical defaults to false when onFailure is Continue, to true otherwise
    isCritical: step.isCritical ?? onFailure.kind !== 'Continue',
  };

  switch (step.action) {
    case 'aws:executeAwsApi':
    case 'aws:assertAwsResourceProperty':
    case 'aws:waitForAwsResourceProperty':
      if (typeof rawInputs.Service !== 'string' || typeof rawInputs.Api !== 'string')
        invalid(where, `${step.action} needs inputs Service and Api`);
      if (step.action !== 'aws:executeAwsApi') {
        if (typeof rawInputs.PropertySelector !== 'string') invalid(where, `${step.action} needs inputs.PropertySelector`);
        if (!Array.isArray(rawInputs.DesiredValues) || rawInputs.DesiredValues.length === 0)
          invalid(where, `${step.action} needs inputs.DesiredValues (a non-empty list)`);
        compiled.propertySelector = compileSelector(rawInputs.PropertySelector, `${where}.inputs.PropertySelector`);
      }
      break;
    case 'aws:branch': {
      const choices = rawInputs.Choices;
      if (!Array.isArray(choices) || choices.length === 0) invalid(where, 'aws:branch needs inputs.Choices (a non-empty list)');
      choices.forEach((c, i) => {
        checkCondition(c, `${where}.inputs.Choices[${i}]`);
        const next = (c as Record<string, unknown>).NextStep;
        if (typeof next !== 'string') invalid(`${where}.inputs.Choices[${i}]`, 'needs NextStep');
        targetExists(next, `Choices[${i}].NextStep`);
      });
      if (rawInputs.Default !== undefined) {
        if (typeof rawInputs.Default !== 'string') invalid(where, 'Default must be a step name');
        targetExists(rawInputs.Default, 'Default');
      }
      break;
    }
    case 'aws:loop': {
      const inner = rawInputs.Steps as DocumentStep[];
      const hasIterators = rawInputs.Iterators !== undefined;
      const hasCondition = rawInputs.LoopCondition !== undefined;
      if (hasIterators === hasCondition) invalid(where, 'aws:loop needs exactly one of Iterators and LoopCondition');
      if (hasCondition) {
        checkCondition(rawInputs.LoopCondition, `${where}.inputs.LoopCondition`);
        compiled.loopCondition = compileTemplate(rawInputs.LoopCondition, known, `${where}.inputs.LoopCondition`);
      }
      const max = rawInputs.MaxIterations;
      if (max !== undefined && typeof max === 'number' && !(Number.isInteger(max) && max >= 1 && max <= 100))
        invalid(where, 'MaxIterations must be an integer from 1 to 100');
      const index = new Map(inner.map((s, i) => [s.name, i] as [string, number]));
      compiled.body = { steps: inner.map((s) => compileStep(s, known, [index, ...scopes])), index };
      delete rawInputs.Steps;
      delete rawInputs.LoopCondition;
      break;
    }
    case 'aws:updateVariable': {
      const name = rawInputs.Name;
      if (typeof name !== 'string' || !name.startsWith('variable:'))
        invalid(where, 'aws:updateVariable needs inputs.Name as variable:<name>');
      if (!known.variables.has(name.slice('variable:'.length))) invalid(where, `${name} is not a variable the document declares`);
      if (!('Value' in rawInputs)) invalid(where, 'aws:updateVariable needs inputs.Value');
      break;
    }
    case 'aws:executeAutomation':
      if (typeof rawInputs.DocumentName !== 'string') invalid(where, 'aws:executeAutomation needs inputs.DocumentName');
      break;
    case 'aws:sleep':
      if ((rawInputs.Duration === undefined) === (rawInputs.Timestamp === undefined))
        invalid(where, 'aws:sleep needs exactly one of Duration and Timestamp');
      break;
    case 'aws:invokeLambdaFunction':
      if (typeof rawInputs.FunctionName !== 'string') invalid(where, 'aws:invokeLambdaFunction needs inputs.FunctionName');
      compiled.isScript =
        rawInputs.FunctionName === STEP_RUNNER_FUNCTION || rawInputs.FunctionName.endsWith(`:function:${STEP_RUNNER_FUNCTION}`);
      break;
    default:
      break;
  }
  compiled.inputs = compileTemplate(rawInputs, known, `${where}.inputs`);
  return compiled;
}

const cache = new WeakMap<AutomationDocument, Map<string, CompiledDocument>>();

/** Compiles (once per document object and name) or throws EngineInputError(InvalidDocument). */
export function compileDocument(document: AutomationDocument, name: string): CompiledDocument {
  let byName = cache.get(document);
  const hit = byName?.get(name);
  if (hit) return hit;
  const where = `document ${name}`;
  if (!isPlainObject(document)) invalid(where, 'is not a map');
  if (document.schemaVersion !== '0.3')
    invalid(where, `schemaVersion must be '0.3' for an Automation document, not ${JSON.stringify(document.schemaVersion)}`);
  if (!Array.isArray(document.mainSteps) || document.mainSteps.length === 0) invalid(where, 'mainSteps must be a non-empty list');
  if (document.parameters !== undefined && !isPlainObject(document.parameters)) invalid(where, 'parameters must be a map');
  for (const [p, def] of Object.entries(document.parameters ?? {})) {
    if (!isPlainObject(def) || !OUTPUT_TYPES.has(def.type as string))
      invalid(`${where} parameter ${p}`, `type must be one of ${PARAMETER_TYPES.join(', ')}`);
  }
  const stepNames = new Set<string>();
  collectNames(document.mainSteps, stepNames, `${where} mainSteps`);
  const known: KnownNames = {
    params: new Set(Object.keys(document.parameters ?? {})),
    steps: stepNames,
    variables: new Set(Object.keys(document.variables ?? {})),
  };
  const index = new Map(document.mainSteps.map((s, i) => [s.name, i] as [string, number]));
  const main: CompiledSequence = { steps: document.mainSteps.map((s) => compileStep(s, known, [index])), index };
  const outputs = (document.outputs ?? []).map((o, i) => {
    const m = typeof o === 'string' ? /^([a-zA-Z0-9_]+)\.(.+)$/.exec(o) : null;
    if (!m) invalid(`${where} outputs[${i}]`, `${JSON.stringify(o)} must be Step.Output`);
    if (!stepNames.has(m[1])) invalid(`${where} outputs[${i}]`, `${o} names no step of the document`);
    return { name: o, step: m[1], output: m[2] };
  });
  const ownActions = new Set<string>();
  for (const s of document.mainSteps) actionsOfStep(s, ownActions);
  const compiled: CompiledDocument = {
    name,
    document,
    main,
    known,
    assumeRole: document.assumeRole ? compileTemplate(document.assumeRole, known, `${where} assumeRole`) : undefined,
    outputs,
    ownActions,
  };
  if (!byName) {
    byName = new Map();
    cache.set(document, byName);
  }
  byName.set(name, compiled);
  return compiled;
}
