import type { ParamSpec } from './parameters';
import { param, patterns } from './parameters';
import { Ref } from './refs';
import type { Step } from './steps';

/** How the orchestrator treats a control's automatic findings (DESIGN.md, config). */
export type Mode = 'auto' | 'dry-run' | 'notify-only' | 'disabled';

/** Reference classes: A fix automatically, B fix with guardrails, C notify with guidance. */
export type ControlClass = 'A' | 'B' | 'C';

/** Standards whose control ids are aliases of the consolidated id. */
export type Standard = 'cis-1.2.0' | 'cis-1.4.0' | 'cis-3.0.0' | 'fsbp';
export const STANDARDS: readonly Standard[] = ['cis-1.2.0', 'cis-1.4.0', 'cis-3.0.0', 'fsbp'];

/**
 * The standards whose ids differ from the consolidated id and so are declared per control. An
 * FSBP control id IS the consolidated id (Security Hub derived the consolidated ids from FSBP's),
 * so FSBP needs no table: a control only says whether it is part of FSBP.
 */
export type CisStandard = Exclude<Standard, 'fsbp'>;
export const CIS_STANDARDS: readonly CisStandard[] = ['cis-1.2.0', 'cis-1.4.0', 'cis-3.0.0'];

export interface ControlSpec {
  /** Consolidated Security Hub control id, the canonical key (`IAM.15`). */
  id: string;
  title: string;
  /** The CIS ids of this control (checked against docs/reference/standard-aliases.md by a test). */
  aliases?: Partial<Record<CisStandard, string[]>>;
  /** Part of the AWS Foundational Security Best Practices standard (its FSBP id is `id`). */
  fsbp?: boolean;
  /** Parameter values this control implies (the port for EC2.13 vs EC2.14). */
  parameters?: Record<string, string | number | boolean>;
  /**
   * The control's own parameters that an administrator may set in Security Hub, by their name in
   * `Compliance.SecurityControlParameters`: the runbook parameter each one tightens. The run gets
   * the stricter of the finding's value and the runbook's own target, so a finding is never
   * resolved while the control, as configured, still fails.
   */
  securityControlParameters?: Record<string, ControlParameterRule>;
}

/** How one Security Hub control parameter (an integer) maps to a runbook Integer parameter. */
export interface ControlParameterRule {
  parameter: string;
  /** `higher`: a larger value is stricter (a minimum length); `lower`: a smaller one (a maximum age). */
  stricter: 'higher' | 'lower';
  /** The values the runbook accepts; a finding's value outside them is refused as malformed. */
  bounds: readonly [number, number];
}

/** Every standard's ids of a control: its CIS aliases, and its own id for FSBP when it is part of FSBP. Pure. */
export function controlAliases(c: Pick<ControlSpec, 'id' | 'aliases' | 'fsbp'>): Partial<Record<Standard, string[]>> {
  const out: Partial<Record<Standard, string[]>> = {};
  for (const std of CIS_STANDARDS) if (c.aliases?.[std]?.length) out[std] = [...(c.aliases[std] ?? [])];
  if (c.fsbp) out.fsbp = [c.id];
  return out;
}

/**
 * How one runbook parameter is taken from a finding. `from` names the finding field; the value
 * must match `pattern` whole, and capture group 1 (or the whole match) is the parameter value.
 * A parameter may have several sources: the first that is present gives the value (the resource
 * ARN before `Details`, which is optional and often absent), and every other one present must
 * name the same value.
 */
export interface Extraction<N extends string = string> {
  parameter: N;
  from: 'resourceId' | 'accountId' | 'region' | 'details';
  /** Dotted path under `Resources[].Details` when `from` is `details` (`AwsIamUser.UserName`). */
  path?: string;
  /** Only `Resources[]` entries of this ASFF type are considered. */
  resourceType?: string;
  pattern: string;
  /**
   * This source holds one kind of value only (a user's unique id, not its name): it is read, and
   * held to agree, only when the value chosen so far matches this pattern (or, when it gives the
   * value itself, always).
   */
  onlyWhen?: string;
}

/** Parameters every compiled runbook takes (DESIGN.md, "Runbook parameters"). */
export const commonParameters = {
  AutomationAssumeRole: param.string({
    description: "The ARN of this runbook's own role in the member account; the automation and its script steps act as it.",
    pattern: patterns.roleArn,
  }),
  FindingId: param.string({
    description: 'The Security Hub finding this run remediates. Empty for an operator run without a finding.',
    default: '',
    pattern: patterns.findingId,
  }),
  FindingProductArn: param.string({
    description: "The finding's ProductArn (Security Hub's own product). Empty when FindingId is empty.",
    default: '',
    pattern: patterns.productArn,
  }),
  DryRun: param.boolean({ description: 'Plan and report only: make no change.', default: false }),
  NotificationTopicArn: param.string({
    description: 'SNS topic that receives the outcome message. Empty: no notification.',
    default: '',
    pattern: patterns.snsTopicArn,
  }),
};
export type CommonParameters = typeof commonParameters;

type ValueOfSpec<S> = S extends ParamSpec<infer T> ? T : never;
export type ParamRefs<P> = { readonly [K in keyof P]: Ref<ValueOfSpec<P[K]>> };

/** What the runbook's plan decided: fix it, nothing to do, or not applicable (with a reason). */
export type PlanDecision = 'remediate' | 'compliant' | 'skip';

/**
 * The body of a runbook, in three phases. The compiler puts a gate between plan and remediate
 * (DryRun, already compliant, skip) and appends the finalizer after verify. The named references
 * tell the gate and the finalizer where the facts are.
 */
export interface RunbookBody {
  plan: Step<unknown>[];
  remediate: Step<unknown>[];
  verify: Step<unknown>[];
  /** `remediate`, `compliant` or `skip`. */
  decision: Ref<string>;
  /** Before-state, captured by the plan (so a change can be undone by hand). */
  before: Ref<Record<string, unknown>>;
  /** One line: what the plan found and what remediate will change (or why it skips). */
  summary: Ref<string>;
  /** What remediate changed. */
  changed?: Ref<string>;
  /** After-state and the verdict, from the verify phase. */
  after: Ref<Record<string, unknown>>;
  verified: Ref<boolean>;
  /** Why verify said false (what is still not compliant), for the note and the message. */
  reason?: Ref<string>;
}

export interface RunbookSpec<P extends Record<string, ParamSpec<unknown>>> {
  /** SSM document name (`Hubfix-IAM-PasswordPolicy`). */
  document: string;
  title: string;
  /** Markdown for the operator who opens the document in the SSM console. */
  description: string;
  class: ControlClass;
  defaultMode: Mode;
  /** Account-level controls are fixed once per account (the orchestrator deduplicates them). */
  scope: 'account' | 'resource';
  /** The ASFF resource type the findings of its controls carry. */
  resourceType: string;
  /** One line for the catalog: what the runbook changes. */
  changes: string;
  /** Guidance for a person, for notify-only findings. */
  guidance: string;
  /**
   * A guided runbook changes nothing: its plan gathers the offending facts read-only and asks a
   * person (decision `skip`, the facts in the summary, the note and the notification), or finds the
   * control met (`compliant`, then verify). It has no remediate phase.
   */
  guided?: true;
  /**
   * An opt-in runbook the orchestrator never starts: an operator runs it by hand from where AWS
   * allows it (`runFrom`). Its controls stay answered by the catalog's own runbook.
   */
  optIn?: { runFrom: string };
  controls: ControlSpec[];
  extract: Extraction<Extract<keyof P, string>>[];
  parameters: P;
  body(params: ParamRefs<P & CommonParameters>): RunbookBody;
}

/** A runbook with its parameter types erased, as registries and the compiler hold it. */
export interface Runbook extends Omit<RunbookSpec<Record<string, ParamSpec<unknown>>>, 'body' | 'extract'> {
  readonly kind: 'hubfix.runbook';
  extract: Extraction[];
  body(params: Readonly<Record<string, Ref<unknown>>>): RunbookBody;
}

export function defineRunbook<P extends Record<string, ParamSpec<unknown>>>(spec: RunbookSpec<P>): Runbook {
  for (const name of Object.keys(spec.parameters)) {
    if (name in commonParameters) throw new Error(`runbook ${spec.document}: parameter ${name} is one every runbook has already`);
  }
  return { ...spec, kind: 'hubfix.runbook', body: spec.body as unknown as Runbook['body'] };
}

export function paramRefs<P extends Record<string, unknown>>(params: P): ParamRefs<P> {
  const refs: Record<string, Ref<unknown>> = {};
  for (const k of Object.keys(params)) refs[k] = new Ref(k);
  return refs as ParamRefs<P>;
}
