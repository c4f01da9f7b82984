/**
 * Text hygiene for everything the finalizer writes: notes, subjects, summaries. Failure messages
 * come from AWS and from scripts and may carry control characters or be very long; every text
 * is cleaned and length-checked before it leaves.
 */

// C0 and C1 control characters, DEL included.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/g;

/** One line: control characters become spaces, runs of whitespace collapse, ends trimmed. */
export function cleanText(value: unknown): string {
  const s = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  return s.replace(CONTROL_CHARS, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * At most `max` UTF-16 code units (what JavaScript's `length` counts, never fewer than the
 * characters AWS counts), ending in `…` when cut. A surrogate pair is never split.
 */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 0) return '';
  let cut = s.slice(0, max - 1);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

/** `cleanText` then `truncate`. */
export function clip(value: unknown, max: number): string {
  return truncate(cleanText(value), max);
}

const ASCII_REPLACEMENTS: ReadonlyArray<[RegExp, string]> = [
  [/→/g, '->'],
  [/…/g, '...'],
  [/[–—]/g, '-'],
  [/[‘’]/g, "'"],
  [/[“”]/g, '"'],
  [/≤/g, '<='],
  [/≥/g, '>='],
];

/**
 * Printable ASCII only, for the SNS subject (the SNS API asks for no line breaks or control
 * characters; email clients render ASCII reliably). Length below `max`.
 */
export function asciiLine(value: unknown, max: number): string {
  let s = cleanText(value);
  for (const [re, to] of ASCII_REPLACEMENTS) s = s.replace(re, to);
  s = s.replace(/[^\x20-\x7e]/g, '?');
  if (s.length <= max) return s;
  return `${s.slice(0, max - 3).trimEnd()}...`;
}

/** The time of an audit entry: ISO 8601 to the minute, UTC (`2024-05-01T12:34Z`). */
export function isoMinute(d: Date): string {
  return `${d.toISOString().slice(0, 16)}Z`;
}
