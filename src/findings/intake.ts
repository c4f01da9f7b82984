import { OCSF_DETAIL_TYPE, type OcsfRef, ocsfToAsff } from './ocsf';
import { eventProblem, ocsfEventProblem } from './schema';
import type { Trigger } from './types';

/**
 * Intake: an EventBridge event from Security Hub, checked before anything reads it. The envelope
 * (source, detail-type, account, the action target ARN of a custom action) must validate; the
 * findings are then decided one by one, so a malformed finding never hides the others.
 */

/** EventBridge events are at most 256 KB; anything past 1 MiB is not a genuine event. */
export const MAX_EVENT_BYTES = 1024 * 1024;

export interface IntakeEvent {
  id: string;
  account: string;
  region: string;
  time: string;
  detailType: string;
  trigger: Trigger;
  /** ASFF findings, or the ASFF view of OCSF ones (`ocsf` then identifies them for the write-back). */
  findings: unknown[];
  ocsf?: OcsfRef[];
}

export type IntakeResult = { ok: true; event: IntakeEvent } | { ok: false; reason: 'MALFORMED'; detail: string };

const ACTION_TARGET = /^arn:(aws|aws-cn|aws-us-gov):securityhub:([a-z0-9-]{1,32}):(\d{12}):action\/custom\/([A-Za-z0-9]{1,20})$/;

function malformed(detail: string): IntakeResult {
  return { ok: false, reason: 'MALFORMED', detail };
}

/** The byte size of a JSON text, or of a value once serialised. */
function sizeOf(raw: unknown): number {
  if (typeof raw === 'string') return Buffer.byteLength(raw, 'utf8');
  try {
    const s = JSON.stringify(raw);
    return s === undefined ? 0 : Buffer.byteLength(s, 'utf8');
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Accepts the parsed event or its JSON text (a Lambda test invoke may pass a string body). */
export function parseEvent(raw: unknown): IntakeResult {
  const bytes = sizeOf(raw);
  if (bytes > MAX_EVENT_BYTES)
    return malformed(
      `the event is ${Number.isFinite(bytes) ? `${bytes} bytes` : 'not serialisable'}, more than the ${MAX_EVENT_BYTES} accepted (EventBridge events are at most 256 KB)`,
    );
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch (err) {
      return malformed(`the event body is not JSON: ${(err as Error).message}`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return malformed('the event is not a JSON object');
  if ((value as Record<string, unknown>)['detail-type'] === OCSF_DETAIL_TYPE) return parseOcsfEvent(value);
  const problem = eventProblem(value);
  if (problem) return malformed(`the event is not a Security Hub event: ${problem}`);
  const e = value as {
    id: string;
    account: string;
    region: string;
    time: string;
    'detail-type': string;
    resources: string[];
    detail: { findings: unknown[] };
  };
  let trigger: Trigger = { kind: 'imported' };
  if (e['detail-type'] === 'Security Hub Findings - Custom Action') {
    if (e.resources.length !== 1)
      return malformed(`a custom action event names exactly one action target in resources, this one ${e.resources.length}`);
    const m = ACTION_TARGET.exec(e.resources[0]);
    if (!m) return malformed(`resources[0] ${JSON.stringify(e.resources[0].slice(0, 100))} is not a Security Hub custom action target ARN`);
    if (m[3] !== e.account) return malformed(`the action target belongs to account ${m[3]}, the event to ${e.account}`);
    trigger = { kind: 'custom-action', actionId: m[4] };
  }
  return {
    ok: true,
    event: {
      id: e.id,
      account: e.account,
      region: e.region,
      time: e.time,
      detailType: e['detail-type'],
      trigger,
      findings: e.detail.findings,
    },
  };
}

/**
 * A `Findings Imported V2` event (the current Security Hub, OCSF findings; one finding per event):
 * the whole event, findings included, must match the OCSF schema; each finding then becomes the
 * ASFF view the one decision path reads.
 */
function parseOcsfEvent(value: object): IntakeResult {
  const problem = ocsfEventProblem(value);
  if (problem) return malformed(`the event is not a Security Hub "${OCSF_DETAIL_TYPE}" event: ${problem}`);
  const e = value as { id: string; account: string; region: string; time: string; detail: { findings: unknown[] } };
  const views = e.detail.findings.map((f) => ocsfToAsff(f));
  return {
    ok: true,
    event: {
      id: e.id,
      account: e.account,
      region: e.region,
      time: e.time,
      detailType: OCSF_DETAIL_TYPE,
      trigger: { kind: 'imported' },
      findings: views.map((v) => v.finding),
      ocsf: views.map((v) => v.ref),
    },
  };
}
