import type { OutputType } from './document';
import type { ScriptHandler } from './handlers';
import type { Inputs, Ref } from './refs';
import type { PlanDecision, RunbookBody } from './runbook';
import { type Step, script } from './steps';

/** What a plan handler returns: the decision, the before-state and one line about both. */
export type PlanResult = { Decision: PlanDecision; Before: Record<string, unknown>; Summary: string };

/** What a remediate handler returns: one line about what it changed. */
export type ChangeResult = { Changed: string };

/** What a verify handler returns: the verdict, the after-state and what is still not compliant. */
export type VerifyResult = { Verified: boolean; After: Record<string, unknown>; Unmet: string };

type OutputsOf<O> = { readonly [K in keyof O]: OutputType };

/** The output declarations of a plan handler (spread them to add outputs of its own). */
export const PLAN_OUTPUTS = { Decision: 'String', Before: 'StringMap', Summary: 'String' } as const satisfies OutputsOf<PlanResult>;

export const CHANGE_OUTPUTS = { Changed: 'String' } as const satisfies OutputsOf<ChangeResult>;

export const VERIFY_OUTPUTS = { Verified: 'Boolean', After: 'StringMap', Unmet: 'String' } as const satisfies OutputsOf<VerifyResult>;

type OutRefs<O> = { readonly [K in keyof O]: Ref<O[K]> };

/**
 * The body of a runbook with one plan step and one verify step: the gate and the finalizer read
 * the decision, before-state and summary from the plan's outputs and the verdict, after-state and
 * reason from verify's. `changed` names the remediate output that says what was changed.
 */
export function phaseBody(a: {
  plan: Step<OutRefs<PlanResult>>;
  remediate: Step<unknown>[];
  changed?: Ref<string>;
  verify: Step<OutRefs<VerifyResult>>;
}): RunbookBody {
  return {
    plan: [a.plan],
    remediate: a.remediate,
    verify: [a.verify],
    decision: a.plan.out.Decision,
    before: a.plan.out.Before,
    summary: a.plan.out.Summary,
    ...(a.changed ? { changed: a.changed } : {}),
    after: a.verify.out.After,
    verified: a.verify.out.Verified,
    reason: a.verify.out.Unmet,
  };
}

interface PhaseScript<I, O extends Record<string, unknown>> {
  handler: ScriptHandler<I, O>;
  description: string;
}

/**
 * The standard body: three script steps over the same input — `Plan`, one change step and
 * `Verify`. A runbook with another shape (several remediate steps, native steps, inputs taken
 * from the plan's outputs) builds its steps itself and uses `phaseBody`.
 */
export function scriptPhases<I>(a: {
  input: Inputs<I>;
  plan: PhaseScript<I, PlanResult>;
  change: PhaseScript<I, ChangeResult> & { name: string };
  verify: PhaseScript<I, VerifyResult>;
}): RunbookBody {
  const plan = script({ name: 'Plan', description: a.plan.description, handler: a.plan.handler, input: a.input });
  const change = script({ name: a.change.name, description: a.change.description, handler: a.change.handler, input: a.input });
  const verify = script({ name: 'Verify', description: a.verify.description, handler: a.verify.handler, input: a.input });
  return phaseBody({ plan, remediate: [change], changed: change.out.Changed, verify });
}
