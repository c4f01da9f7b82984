import { cleanText, isoMinute, truncate } from './text';

/**
 * The finding note as an audit trail (DESIGN.md, "Notes"): Security Hub keeps one note of at
 * most 512 characters, so each run puts its entry first and keeps as many older entries as fit,
 * whole, newest first. Every entry carries the time, the outcome, the execution id and what
 * changed; the newest entry is always complete up to its text, which is cut last. Pure.
 */

export const NOTE_MAX = 512;
/** Between entries. Entries are one line each: Security Hub's Note.Text pattern is `.*\S.*`. */
export const ENTRY_SEPARATOR = ' || ';

export interface NoteEntry {
  time: Date;
  /** SUCCEEDED, FAILED, DRY_RUN, NOT_VERIFIED, NOTIFY_ONLY (or another short word). */
  outcome: string;
  /** The automation execution id; absent for a record without a run (notify-only). */
  executionId?: string;
  /** What changed, what would change, or why not. */
  text: string;
}

function entryText(s: string): string {
  // an entry must not contain the separator, or the next run would split it in two
  return cleanText(s).replace(/\|\|+/g, '|');
}

/** One entry, at most `max` characters: the head (time, outcome, execution) is kept whole. */
export function formatEntry(e: NoteEntry, max = NOTE_MAX): string {
  const run = e.executionId ? `exec ${entryText(e.executionId)}` : 'no run';
  const head = `${isoMinute(e.time)} ${entryText(e.outcome)} ${run}`;
  const text = entryText(e.text);
  if (!text) return truncate(head, max);
  const room = max - head.length - 2;
  if (room < 8) return truncate(`${head}: ${text}`, max);
  return `${head}: ${truncate(text, room)}`;
}

/** The entries of an existing note, newest first (a note hubfix did not write is one entry). */
export function parseTrail(note: string | undefined): string[] {
  if (!note) return [];
  return note
    .split(ENTRY_SEPARATOR)
    .map((e) => cleanText(e))
    .filter((e) => e.length > 0);
}

/**
 * The new note: the new entry first, then the older entries that fit whole, in order. An older
 * entry that does not fit is dropped with everything older than it, so no entry is ever left
 * without its execution id.
 */
export function composeTrail(entry: NoteEntry, existingNote: string | undefined, max = NOTE_MAX): string {
  let note = formatEntry(entry, max);
  for (const older of parseTrail(existingNote)) {
    const next = `${note}${ENTRY_SEPARATOR}${older}`;
    if (next.length > max) break;
    note = next;
  }
  return note;
}
