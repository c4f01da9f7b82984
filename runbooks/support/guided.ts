import { defineHandler, type Permission, type ScriptContext } from '../../src/model/handlers';
import { PLAN_OUTPUTS, type PlanResult, VERIFY_OUTPUTS, type VerifyResult, phaseBody } from '../../src/model/phases';
import type { Inputs } from '../../src/model/refs';
import type { RunbookBody } from '../../src/model/runbook';
import { script } from '../../src/model/steps';
import { IAM_USER_EXTRACT, USER_NAME_PARAMETER_PATTERN, resolveUser } from './iam-user';
import { param } from '../../src/model/parameters';

/**
 * Guided controls: what needs a person (a user's MFA device, a policy someone wrote, the root
 * user) is answered by a read-only run that gathers the offending facts and puts them where people
 * look — the finding's note and the notification — instead of a bare "go and look". The same
 * gathering serves plan (before-state) and verify (the control is met when nothing offends).
 */

/** What a guided runbook found: the offending items and the facts behind them. */
export interface GuidedFacts {
  /** One short name per offending item (`alice`, `policy/admin-all`), already sorted. */
  offenders: string[];
  /** What the offenders are, plural (`IAM users with a console password and no MFA device`). */
  noun: string;
  /** Per offender, what offends (goes into the before-/after-state: the notification carries it). */
  details: Record<string, string>;
  /** What a person should do, in one sentence. */
  advice: string;
  /** Facts that are not about one offender (`checked 12 users`). */
  context?: Record<string, string>;
}

/** The offenders listed in the summary before "and N more" (Note.Text is at most 512 characters). */
export const LISTED = 8;

/** One line for the note and the notification: how many, which, and what to do. Pure. */
export function guidedSummary(f: GuidedFacts): string {
  if (f.offenders.length === 0) return `no ${f.noun}`;
  const shown = f.offenders.slice(0, LISTED).join(', ');
  const more = f.offenders.length > LISTED ? ` and ${f.offenders.length - LISTED} more` : '';
  return `needs a person: ${f.offenders.length} ${f.noun}: ${shown}${more}. ${f.advice}`;
}

/** The facts as a StringMap state (the notification's before/after). Pure. */
export function guidedState(f: GuidedFacts): Record<string, unknown> {
  return { ...(f.context ?? {}), Offending: String(f.offenders.length), ...f.details };
}

/**
 * The plan and verify handlers of a guided runbook from one read-only gathering function. Plan
 * decides `skip` (a person is needed: the facts are the summary) or `compliant`; verify says the
 * control is met only when nothing offends.
 */
export function guidedHandlers<I>(a: {
  id: string;
  what: string;
  permissions: readonly Permission[];
  gather(input: I, ctx: ScriptContext): Promise<GuidedFacts>;
}) {
  const plan = defineHandler<I, PlanResult>({
    id: `${a.id}.plan`,
    description: `Gather ${a.what} (read-only) for a person.`,
    permissions: a.permissions,
    outputs: PLAN_OUTPUTS,
    async run(input, ctx) {
      const facts = await a.gather(input, ctx);
      return {
        Decision: facts.offenders.length === 0 ? 'compliant' : 'skip',
        Before: guidedState(facts),
        Summary: guidedSummary(facts),
      };
    },
  });
  const verify = defineHandler<I, VerifyResult>({
    id: `${a.id}.verify`,
    description: `Gather ${a.what} again: the control is met when nothing offends.`,
    permissions: a.permissions,
    outputs: VERIFY_OUTPUTS,
    async run(input, ctx) {
      const facts = await a.gather(input, ctx);
      return {
        Verified: facts.offenders.length === 0,
        After: guidedState(facts),
        Unmet: facts.offenders.length === 0 ? '' : guidedSummary(facts),
      };
    },
  });
  return { plan, verify };
}

/** The body of a guided runbook: Plan (facts), no remediate, Verify (the same facts again). */
export function guidedBody<I>(handlers: ReturnType<typeof guidedHandlers<I>>, input: Inputs<I>): RunbookBody {
  const plan = script({ name: 'Plan', description: 'Gather the offending facts (read-only).', handler: handlers.plan, input });
  const verify = script({ name: 'Verify', description: 'Gather them again: met when nothing offends.', handler: handlers.verify, input });
  return phaseBody({ plan, remediate: [], verify });
}

/** Every page of a marker-paginated IAM list (`ListUsers`, `ListPolicies`), up to `limit` items. */
export async function iamPages<T>(
  ctx: ScriptContext,
  operation: string,
  key: string,
  input: Record<string, unknown>,
  limit: number,
): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = [];
  let marker: string | undefined;
  do {
    const out = await ctx.aws<Record<string, unknown>>('iam', operation, { ...input, ...(marker ? { Marker: marker } : {}) });
    items.push(...((out[key] as T[] | undefined) ?? []));
    marker = out.IsTruncated === true && typeof out.Marker === 'string' ? out.Marker : undefined;
  } while (marker && items.length < limit);
  return { items: items.slice(0, limit), truncated: marker !== undefined || items.length > limit };
}

/** The IAM user a per-user finding names (IAM.5, IAM.2): taken from the finding, optional for an operator run. */
export const FINDING_USER = {
  extract: IAM_USER_EXTRACT,
  parameter: param.string({
    description: "The IAM user the finding is about (name or unique id); its facts lead. Empty: the account's users only.",
    default: '',
    pattern: `^$|${USER_NAME_PARAMETER_PATTERN}`,
  }),
};

/** Where the finding's own user stands among the offenders, for the facts. */
export async function findingUserFact(ctx: ScriptContext, nameOrId: string, offenders: readonly string[]): Promise<Record<string, string>> {
  if (!nameOrId) return {};
  const user = await resolveUser(ctx, nameOrId);
  if (!user) return { FindingUser: `${nameOrId} (no such user any more)` };
  return { FindingUser: `${user.UserName} (${offenders.includes(user.UserName) ? 'offends' : 'does not offend now'})` };
}
