import { errorCode, errorMessage, type Invoker } from '../aws/invoker';
import { clip } from '../finalizer/text';
import { arnPattern, PLACEHOLDERS, type PrincipalPermission } from '../iam/permission';
import { readMemory, STATUS_START_FAILED } from './fields';
import type { Decision } from './types';

/**
 * A queue delivers a message again when its first handling failed for a reason that may pass.
 * The event still carries the finding as it was before the first handling, so deciding on it
 * would write the start record again — over an outcome the run may have written since (a custom
 * action re-runs a finished finding; an imported finding's copy predates hubfix's own write).
 * This reads the findings' current copies once, for a redelivered event's starts only, and names
 * those whose start an earlier delivery already recorded: the record is then not written again,
 * and the start is still made with the same ClientToken (SSM answers the same execution).
 *
 * An attempt recorded at or after the event's time, by the start record (status not
 * START_FAILED, which must be replaced by the record of the start now made), is taken as that
 * earlier delivery's. Someone who forges that time can only hold back the record, never the run.
 */

/** Security Hub takes at most 20 values in one string filter. */
const IDS_PER_READ = 20;

export interface Redelivered {
  /** Decision index → the time (ms) of the event that carried it. */
  eventTimeOf: ReadonlyMap<number, number>;
}

export type RedeliveryCheck = { ok: true; recorded: Set<number> } | { ok: false; error: string };

export async function recordedEarlier(
  decisions: readonly Decision[],
  redelivered: Redelivered,
  invoker: Invoker,
  now: number,
): Promise<RedeliveryCheck> {
  const wanted = [...redelivered.eventTimeOf.keys()].filter((i) => decisions[i]?.decision === 'start' && decisions[i].target);
  const byRegion = new Map<string, number[]>();
  for (const i of wanted) {
    const region = decisions[i].target?.findingRegion as string;
    byRegion.set(region, [...(byRegion.get(region) ?? []), i]);
  }
  const recorded = new Set<number>();
  for (const [region, indexes] of byRegion)
    for (let k = 0; k < indexes.length; k += IDS_PER_READ) {
      const chunk = indexes.slice(k, k + IDS_PER_READ);
      const ids = [...new Set(chunk.map((i) => decisions[i].findingId))];
      let found: unknown[];
      try {
        const out = await invoker.call({
          service: 'securityhub',
          operation: 'GetFindings',
          input: { Filters: { Id: ids.map((Value) => ({ Value, Comparison: 'EQUALS' })) }, MaxResults: 100 },
          region,
        });
        found = Array.isArray(out.Findings) ? out.Findings : [];
      } catch (err) {
        return { ok: false, error: clip(`reading the findings of a redelivered event: ${errorCode(err)}: ${errorMessage(err)}`, 300) };
      }
      const current = new Map<string, Record<string, unknown>>();
      for (const f of found)
        if (typeof f === 'object' && f !== null && typeof (f as { Id?: unknown }).Id === 'string')
          current.set((f as { Id: string }).Id, f as Record<string, unknown>);
      for (const i of chunk) {
        const f = current.get(decisions[i].findingId);
        if (!f) continue;
        const fields =
          typeof f.UserDefinedFields === 'object' && f.UserDefinedFields !== null ? (f.UserDefinedFields as Record<string, string>) : {};
        const memory = readMemory(fields, now);
        const eventAt = redelivered.eventTimeOf.get(i) as number;
        if (memory.lastAttempt !== undefined && memory.lastAttempt >= eventAt && memory.status !== STATUS_START_FAILED) recorded.add(i);
      }
    }
  return { ok: true, recorded };
}

/** Reading a redelivered event's findings, as the orchestrator role (the administrator account's hub). */
export const REDELIVERY_PERMISSIONS: readonly PrincipalPermission[] = [
  { action: 'securityhub:GetFindings', resource: arnPattern('securityhub', '*', PLACEHOLDERS.account, 'hub/default') },
];
