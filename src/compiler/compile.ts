import type { AutomationDocument, DocumentParameter, DocumentStep } from '../model/document';
import { FINALIZE_STEP, type FinalizeInput } from '../finalizer/contract';
import { finalizeHandler } from '../finalizer/handler';
import { type IamPolicy, permissionFor, policyFrom } from '../iam/actions';
import type { AnyHandler, Permission } from '../model/handlers';
import type { ParamSpec } from '../model/parameters';
import { Ref, globals } from '../model/refs';
import { type Runbook, commonParameters, controlAliases, paramRefs } from '../model/runbook';
import { type Step, branch, flattenSteps, script } from '../model/steps';
import { toYaml } from './yaml';

export const GATE_STEP = 'Gate';

/** A runbook source that breaks a rule: names the runbook, the step and the field. */
export class RunbookDefinitionError extends Error {
  constructor(
    readonly document: string,
    readonly where: string,
    message: string,
  ) {
    super(`runbook ${document}: ${where}: ${message}`);
    this.name = 'RunbookDefinitionError';
  }
}

export interface CompiledRunbook {
  name: string;
  runbook: Runbook;
  document: AutomationDocument;
  yaml: string;
  policy: IamPolicy;
  /** The script handlers its steps run, finalizer included. */
  handlers: AnyHandler[];
}

function parameterDocs(specs: Record<string, ParamSpec<unknown>>): Record<string, DocumentParameter> {
  const out: Record<string, DocumentParameter> = {};
  for (const [name, spec] of Object.entries(specs)) out[name] = spec.doc;
  return out;
}

function outputName(ref: Ref<unknown>): string {
  return ref.expression;
}

/**
 * The standard shape of every runbook: plan → gate → remediate → verify → finalize. The gate
 * sends a dry run and a `skip` straight to the finalizer and an already compliant resource to
 * verify; any step that fails without its own handler goes to the finalizer, and (being
 * critical) still leaves the automation Failed.
 */
function assemble(rb: Runbook): { steps: Step<unknown>[]; finalize: Step<unknown> } {
  const refs = paramRefs({ ...commonParameters, ...rb.parameters });
  const body = rb.body(refs);
  if (body.plan.length === 0) throw new RunbookDefinitionError(rb.document, 'plan', 'needs at least one step');
  if (rb.guided && body.remediate.length > 0)
    throw new RunbookDefinitionError(rb.document, 'remediate', 'a guided runbook changes nothing: it has no remediate steps');
  if (!rb.guided && body.remediate.length === 0) throw new RunbookDefinitionError(rb.document, 'remediate', 'needs at least one step');
  if (body.verify.length === 0) throw new RunbookDefinitionError(rb.document, 'verify', 'needs at least one step');

  const resource: Record<string, Ref<unknown>> = {};
  for (const e of rb.extract) resource[e.parameter] = new Ref(e.parameter);
  const aliases = rb.controls.flatMap((c) =>
    Object.entries(controlAliases(c)).flatMap(([std, ids]) => (ids ?? []).map((id) => `${std}:${id}`)),
  );
  const finalizeInput: { [K in keyof FinalizeInput]: unknown } = {
    document: rb.document,
    executionId: globals.executionId,
    findingId: refs.FindingId,
    productArn: refs.FindingProductArn,
    topicArn: refs.NotificationTopicArn,
    dryRun: refs.DryRun,
    controls: rb.controls.map((c) => c.id),
    aliases: [...new Set(aliases)].sort(),
    resource,
    resourceType: rb.resourceType,
    facts: {
      decision: outputName(body.decision),
      before: outputName(body.before),
      summary: outputName(body.summary),
      ...(body.changed ? { changed: outputName(body.changed) } : {}),
      after: outputName(body.after),
      verified: outputName(body.verified),
      ...(body.reason ? { reason: outputName(body.reason) } : {}),
    },
  };
  const finalize = script({
    name: FINALIZE_STEP,
    description: 'Verify-aware record: note, workflow and fields on the finding; notification on SNS.',
    handler: finalizeHandler,
    // biome-ignore lint/suspicious/noExplicitAny: the input mixes literals and references by design
    input: finalizeInput as any,
    isEnd: true,
    // a record that could not be made fails the step (never a blind write); SSM tries it again,
    // and when it still fails the automation ends Failed, where an operator sees it
    maxAttempts: 3,
    onFailure: 'Abort',
  });
  const gate = branch({
    name: GATE_STEP,
    description: 'Dry run or nothing applicable: report only. Already compliant: verify. Otherwise remediate.',
    choices: [
      { next: finalize, when: { variable: refs.DryRun, op: 'BooleanEquals', value: true } },
      { next: body.verify[0], when: { variable: body.decision, op: 'StringEquals', value: 'compliant' } },
      { next: finalize, when: { variable: body.decision, op: 'StringEquals', value: 'skip' } },
    ],
    // a guided runbook's plan decides only skip or compliant: anything else is reported, never acted on
    default: body.remediate[0] ?? finalize,
    onFailure: { name: FINALIZE_STEP },
  });
  return { steps: [...body.plan, gate, ...body.remediate, ...body.verify, finalize], finalize };
}

function checkStepNames(rb: Runbook, steps: Step<unknown>[]): void {
  const seen = new Set<string>();
  for (const s of flattenSteps(steps)) {
    if (!/^[a-zA-Z0-9_]+$/.test(s.name)) throw new RunbookDefinitionError(rb.document, `step ${s.name}`, 'name must match [a-zA-Z0-9_]+');
    if (seen.has(s.name)) throw new RunbookDefinitionError(rb.document, `step ${s.name}`, 'name is used twice');
    seen.add(s.name);
  }
}

function toDocumentStep(s: Step<unknown>, isTopLevel: boolean): DocumentStep {
  const d = s.toDocument();
  // a step with no failure handler of its own reports to the finalizer
  if (isTopLevel && d.onFailure === undefined && s.name !== FINALIZE_STEP) d.onFailure = `step:${FINALIZE_STEP}`;
  return d;
}

export function permissionsOf(steps: readonly Step<unknown>[]): Permission[] {
  const out: Permission[] = [];
  for (const s of flattenSteps(steps)) {
    for (const c of s.calls) out.push(permissionFor(c.service, c.api));
    out.push(...s.permissions);
  }
  return out;
}

export function compileRunbook(rb: Runbook): CompiledRunbook {
  const { steps } = assemble(rb);
  checkStepNames(rb, steps);
  for (const e of rb.extract) {
    if (!(e.parameter in rb.parameters))
      throw new RunbookDefinitionError(rb.document, `extract ${e.parameter}`, 'names a parameter the runbook does not have');
    try {
      new RegExp(e.pattern);
    } catch {
      throw new RunbookDefinitionError(rb.document, `extract ${e.parameter}.pattern`, 'is not a valid regular expression');
    }
  }
  for (const [name, spec] of Object.entries(rb.parameters)) {
    if (spec.type === 'String' && !spec.doc.allowedPattern && !spec.doc.allowedValues)
      throw new RunbookDefinitionError(rb.document, `parameter ${name}`, 'a String parameter needs a pattern or allowed values');
  }
  const document: AutomationDocument = {
    schemaVersion: '0.3',
    description: rb.description.trim(),
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters: parameterDocs({ ...commonParameters, ...rb.parameters }),
    mainSteps: steps.map((s) => toDocumentStep(s, true)),
    outputs: [`${FINALIZE_STEP}.Status`, `${FINALIZE_STEP}.Verified`, `${FINALIZE_STEP}.Summary`],
  };
  let policy: IamPolicy;
  try {
    policy = policyFrom(permissionsOf(steps));
  } catch (err) {
    throw new RunbookDefinitionError(rb.document, 'permissions', (err as Error).message);
  }
  return { name: rb.document, runbook: rb, document, yaml: toYaml(document), policy, handlers: handlersOf(steps) };
}

function handlersOf(steps: readonly Step<unknown>[]): AnyHandler[] {
  const handlers = new Map<string, AnyHandler>();
  for (const s of flattenSteps(steps)) if (s.handler) handlers.set(s.handler.id, s.handler);
  return [...handlers.values()];
}

/**
 * The script handlers a runbook's steps run, finalizer included, without compiling its document,
 * policy or YAML: what the step runner needs of the one runbook an invocation runs.
 */
export function runbookHandlers(rb: Runbook): AnyHandler[] {
  return handlersOf(assemble(rb).steps);
}
