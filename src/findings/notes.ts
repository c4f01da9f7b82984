import { composeTrail, ENTRY_SEPARATOR, NOTE_MAX, parseTrail } from '../finalizer/note';
import { clip, isoMinute } from '../finalizer/text';
import { EXECUTION_PENDING } from './fields';
import type { StartTarget } from './types';

/**
 * The orchestrator's entries in the finding note, in the audit-trail format the finalizer uses
 * (src/finalizer/note.ts): newest first, ` || ` between entries, at most 512 characters, each
 * entry `<time> <OUTCOME> exec <id>: <text>` (or `no run` when nothing started). Pure.
 */

function what(t: StartTarget): string {
  return `${t.document}${t.dryRun ? ' dry run' : ''} for ${t.control}, attempt ${t.attempt}`;
}

/**
 * A start about to be made (recorded before StartAutomationExecution, so it can never land after
 * the run's own outcome): the execution id is not known yet. The execution carries the tag
 * `hubfix:finding` with the finding's Id, and the runbook's finalizer writes the id when it ends.
 * The entry names neither the control nor the runbook (the finding says the one, the catalog
 * maps it to the other, the finalizer's entry names both): findings without a note trail of
 * their own then share one BatchUpdateFindings for their start records (≤ 100 a call).
 */
export function startingNote(t: Pick<StartTarget, 'dryRun' | 'attempt' | 'note'>, now: Date): string {
  const head = `${isoMinute(now)} STARTED exec ${EXECUTION_PENDING}`;
  const text = clip(
    `hubfix started ${t.dryRun ? 'a dry run of ' : ''}this finding's runbook, attempt ${t.attempt}; the execution is tagged hubfix:finding=<this finding's Id>`,
    NOTE_MAX - head.length - 2,
  );
  let note = `${head}: ${text}`;
  for (const older of parseTrail(t.note)) {
    const next = `${note}${ENTRY_SEPARATOR}${older}`;
    if (next.length > NOTE_MAX) break;
    note = next;
  }
  return note;
}

/** Nothing started: why. */
export function startFailedNote(t: StartTarget, why: string, now: Date): string {
  return composeTrail({ time: now, outcome: 'START_FAILED', text: `hubfix could not start ${what(t)}: ${why}` }, t.note);
}

/**
 * An account-level finding covered by its account's run in flight (started in this batch for another
 * finding of the account, or earlier). The same text for every covered finding, so that their
 * records share BatchUpdateFindings; the run itself is found by its document and account (the
 * finding names both), and its own finalizer notes the finding that started it.
 */
export function coveredNote(t: Pick<StartTarget, 'note'>, now: Date): string {
  return composeTrail(
    {
      time: now,
      outcome: 'NOTIFY_ONLY',
      text: "covered by the account's run in flight of this account-level control's runbook; this finding passes when Security Hub evaluates the account again",
    },
    t.note,
  );
}
