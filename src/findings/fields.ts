/**
 * hubfix's memory on a finding: the `hubfix:` keys of its UserDefinedFields (DESIGN.md, "Finding
 * state"). The orchestrator and the finalizer both write them; these names are the contract.
 *
 * The BatchUpdateFindings API reference does not say whether `UserDefinedFields` replaces the
 * finding's map or merges into it. Every writer therefore sends the whole map: the fields read
 * from the finding plus its own on top (`withOurFields`). That is right under either behaviour.
 *
 * BatchUpdateFindings leaves the finding's `UpdatedAt` unchanged (API reference), and every
 * update emits a new "Findings - Imported" event. `FIELD_UPDATED_AT` records when hubfix last
 * wrote, so the echo of our own write (UpdatedAt not after it) is told apart from a provider's
 * re-evaluation (UpdatedAt after it). Writers should set it whenever they write.
 */

export const FIELD_PREFIX = 'hubfix:';

/** STARTED, START_FAILED, NOTIFY_ONLY (orchestrator); SUCCEEDED, FAILED, DRY_RUN, NOT_VERIFIED (finalizer). */
export const FIELD_STATUS = 'hubfix:status';
/** The automation execution id of the latest run (`pending` until known, see the orchestrator). */
export const FIELD_EXECUTION = 'hubfix:execution';
/** How many runs hubfix has started (or tried to start) for this finding, ever: a decimal integer. */
export const FIELD_ATTEMPTS = 'hubfix:attempts';
/** ISO 8601 time of the latest attempt. */
export const FIELD_LAST_ATTEMPT = 'hubfix:lastAttempt';
/** ISO 8601 times of the recent attempts, comma-separated, oldest first: the loop guard's window. */
export const FIELD_ATTEMPT_TIMES = 'hubfix:attemptTimes';
/** ISO 8601 time of hubfix's latest write to the finding (any writer). */
export const FIELD_UPDATED_AT = 'hubfix:updatedAt';

/** Note.UpdatedBy of the orchestrator's notes (the finalizer uses the runbook's document name). */
export const ORCHESTRATOR_UPDATED_BY = 'hubfix';

/** Statuses the orchestrator writes. */
export const STATUS_STARTED = 'STARTED';
export const STATUS_START_FAILED = 'START_FAILED';
export const STATUS_NOTIFY_ONLY = 'NOTIFY_ONLY';
/** The execution id of a start recorded in a grouped update, before the finalizer writes it. */
export const EXECUTION_PENDING = 'pending';

/** ASFF limits on UserDefinedFields (SDK model docs: ≤ 50 pairs, key ≤ 128, value ≤ 1024). */
export const FIELDS_MAX_PAIRS = 50;
export const FIELD_KEY_MAX = 128;
export const FIELD_VALUE_MAX = 1024;

/** What hubfix remembers about a finding, read from its fields. Unreadable values are absent. */
export interface HubfixMemory {
  status?: string;
  execution?: string;
  attempts: number;
  lastAttempt?: number;
  attemptTimes: number[];
  updatedAt?: number;
  /** Fields whose time lies after now (plus the skew): written by someone else, ignored. */
  distrusted: string[];
}

/**
 * How far a time in hubfix's fields may lie after the reader's clock. Anyone who may call
 * BatchUpdateFindings on the finding can write these fields; a time in the future would make
 * every later event look like hubfix's own echo, or a run look in progress forever.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

function time(v: string | undefined): number | undefined {
  if (v === undefined || v.length > 40) return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}

/**
 * Reads the hubfix keys; a value that does not parse is ignored (someone else edited it), and so
 * is a time after `now` plus the skew (listed in `distrusted`). Without `now`, times are not
 * checked (a reader that only displays them).
 */
export function readMemory(fields: Readonly<Record<string, string>> | undefined, now?: number): HubfixMemory {
  const f = fields ?? {};
  const distrusted: string[] = [];
  const latest = now === undefined ? Number.POSITIVE_INFINITY : now + CLOCK_SKEW_MS;
  const trusted = (key: string, t: number | undefined): number | undefined => {
    if (t === undefined || t <= latest) return t;
    if (!distrusted.includes(key)) distrusted.push(key);
    return undefined;
  };
  const attemptsText = f[FIELD_ATTEMPTS];
  const attempts = attemptsText !== undefined && /^\d{1,6}$/.test(attemptsText) ? Number(attemptsText) : 0;
  const attemptTimes: number[] = [];
  const timesText = f[FIELD_ATTEMPT_TIMES];
  if (timesText)
    for (const part of timesText.split(',').slice(0, 100)) {
      const t = trusted(FIELD_ATTEMPT_TIMES, time(part.trim()));
      if (t !== undefined) attemptTimes.push(t);
    }
  const memory: HubfixMemory = { attempts, attemptTimes, distrusted };
  if (f[FIELD_STATUS]) memory.status = f[FIELD_STATUS];
  if (f[FIELD_EXECUTION]) memory.execution = f[FIELD_EXECUTION];
  const last = trusted(FIELD_LAST_ATTEMPT, time(f[FIELD_LAST_ATTEMPT]));
  if (last !== undefined) memory.lastAttempt = last;
  const updated = trusted(FIELD_UPDATED_AT, time(f[FIELD_UPDATED_AT]));
  if (updated !== undefined) memory.updatedAt = updated;
  return memory;
}

/** True when the finding carries any hubfix key. */
export function hasMemory(fields: Readonly<Record<string, string>> | undefined): boolean {
  if (!fields) return false;
  for (const k in fields) if (k.startsWith(FIELD_PREFIX)) return true;
  return false;
}

/** When hubfix last wrote to the finding, as far as its fields tell. */
export function lastWrite(m: HubfixMemory): number | undefined {
  if (m.updatedAt === undefined) return m.lastAttempt;
  if (m.lastAttempt === undefined) return m.updatedAt;
  return Math.max(m.updatedAt, m.lastAttempt);
}

/**
 * Attempts inside the loop guard's window ending at `now`. Without the list of times, the count
 * is taken as all attempts when the latest one is inside the window (the cautious reading).
 */
export function attemptsInWindow(m: HubfixMemory, now: number, windowMs: number): number {
  if (m.attemptTimes.length > 0) return m.attemptTimes.filter((t) => now - t < windowMs && t <= now + 60_000).length;
  if (m.lastAttempt !== undefined && now - m.lastAttempt < windowMs) return Math.max(1, m.attempts);
  return 0;
}

/** The fields an attempt writes: the count goes up, the time joins the window's list. */
export function attemptFields(m: HubfixMemory, now: number, windowMs: number, keep: number): Record<string, string> {
  const recent = m.attemptTimes.filter((t) => now - t < windowMs && t <= now);
  recent.push(now);
  const iso = new Date(now).toISOString();
  return {
    [FIELD_ATTEMPTS]: String(m.attempts + 1),
    [FIELD_LAST_ATTEMPT]: iso,
    [FIELD_ATTEMPT_TIMES]: recent
      .slice(-Math.max(1, keep))
      .map((t) => new Date(t).toISOString())
      .join(','),
    [FIELD_UPDATED_AT]: iso,
  };
}

/**
 * The whole map to send: the finding's fields with ours on top, within the ASFF limits. When
 * the map would be too long, others' keys give way (ours are what the next decision reads).
 */
export function withOurFields(
  existing: Readonly<Record<string, string>> | undefined,
  ours: Readonly<Record<string, string>>,
): Record<string, string> {
  const mine: Record<string, string> = {};
  for (const [k, v] of Object.entries(ours)) mine[k.slice(0, FIELD_KEY_MAX)] = v.slice(0, FIELD_VALUE_MAX);
  const room = FIELDS_MAX_PAIRS - Object.keys(mine).length;
  const out: Record<string, string> = {};
  let kept = 0;
  for (const [k, v] of Object.entries(existing ?? {})) {
    if (k in mine || k.length > FIELD_KEY_MAX || typeof v !== 'string') continue;
    if (kept >= room) break;
    out[k] = v.slice(0, FIELD_VALUE_MAX);
    kept++;
  }
  return { ...out, ...mine };
}
