import type { OutcomeStatus } from '../finalizer/contract';
import { asciiLine, clip } from '../finalizer/text';

/**
 * The notification message (schemas/notification.schema.json) and its SNS subject, pure.
 * Everything a person needs to act without opening AWS: what happened, where, to what, the
 * before- and after-state, and a link to the finding.
 */

export const NOTIFICATION_SCHEMA_VERSION = '1.0';
/** SNS: the subject must be shorter than 100 characters, with no line breaks or control characters. */
export const SUBJECT_MAX = 99;
/** SNS accepts 256 KB; states bigger than this are cut so the message always fits. */
const STATE_BUDGET_BYTES = 200_000;

export interface NotificationFinding {
  id: string;
  productArn: string;
  consoleLink: string;
  workflow: 'NEW' | 'NOTIFIED' | 'RESOLVED' | 'SUPPRESSED';
}

export interface NotificationResource {
  type: string | null;
  id: string;
  parameters: Record<string, string | number | boolean>;
}

export interface Notification {
  schemaVersion: typeof NOTIFICATION_SCHEMA_VERSION;
  source: 'hubfix';
  status: OutcomeStatus;
  time: string;
  document: string | null;
  control: string | null;
  controls: string[];
  aliases: string[];
  account: string;
  region: string;
  resource: NotificationResource;
  executionId: string | null;
  finding: NotificationFinding | null;
  summary: string;
  changed: string;
  before: unknown;
  after: unknown;
  verified: boolean;
  failure: { step: string; message: string } | null;
  reason: string | null;
  guidance: string | null;
  findingUpdate: string;
}

const CONSOLE_HOSTS: Readonly<Record<string, string>> = {
  aws: 'console.aws.amazon.com',
  'aws-us-gov': 'console.amazonaws-us-gov.com',
  'aws-cn': 'console.amazonaws.cn',
};

/**
 * The Security Hub console page of one finding: the findings list filtered to `Id EQUALS <id>`.
 * The filter is carried in the fragment in the console's own escaped form; the id itself is
 * URL-encoded once, as AWS's Automated Security Response solution builds it.
 */
export function consoleLink(findingId: string, region: string, partition = 'aws'): string {
  const host = CONSOLE_HOSTS[partition] ?? CONSOLE_HOSTS.aws;
  const r = encodeURIComponent(region);
  return `https://${r}.${host}/securityhub/home?region=${r}#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253A${encodeURIComponent(findingId)}`;
}

/** Resource parameters as the schema takes them: scalars only. */
export function scalarParameters(params: Record<string, unknown>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(params ?? {})) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = typeof v === 'string' ? clip(v, 1024) : v;
    else if (v !== undefined && v !== null) out[k] = clip(JSON.stringify(v), 1024);
  }
  return out;
}

/** A resource id for people: the parameters (`GroupId=sg-1`), or the account for account-level runbooks. */
export function describeResource(params: Record<string, unknown>, account: string): string {
  const parts = Object.entries(scalarParameters(params)).map(([k, v]) => `${k}=${v}`);
  return parts.length ? clip(parts.join(' '), 1024) : `AWS::::Account:${account}`;
}

export interface NotificationArgs {
  status: OutcomeStatus;
  time: Date;
  document: string | null;
  control: string | null;
  controls: readonly string[];
  aliases: readonly string[];
  account: string;
  region: string;
  partition?: string;
  resource: { type: string | null; id?: string; parameters: Record<string, unknown> };
  executionId: string | null;
  finding: { id: string; productArn: string; workflow: NotificationFinding['workflow'] } | null;
  summary: string;
  changed: string;
  before: unknown;
  after: unknown;
  verified: boolean;
  failure?: { step: string; message: string } | null;
  reason?: string | null;
  guidance?: string | null;
  findingUpdate: string;
}

function fitState(state: unknown): unknown {
  if (state === undefined) return null;
  const json = JSON.stringify(state) ?? 'null';
  if (Buffer.byteLength(json, 'utf8') <= STATE_BUDGET_BYTES / 2) return state;
  return `${json.slice(0, 2000)}… (cut: ${Buffer.byteLength(json, 'utf8')} bytes)`;
}

/** The message, every text cleaned and within the schema's limits. */
export function buildNotification(a: NotificationArgs): Notification {
  const findingRegion = a.finding ? (/^arn:[a-z-]+:securityhub:([a-z0-9-]+):/.exec(a.finding.id)?.[1] ?? a.region) : a.region;
  return {
    schemaVersion: NOTIFICATION_SCHEMA_VERSION,
    source: 'hubfix',
    status: a.status,
    time: a.time.toISOString(),
    document: a.document,
    control: a.control,
    controls: [...a.controls],
    aliases: [...a.aliases],
    account: a.account,
    region: a.region,
    resource: {
      type: a.resource.type,
      id: a.resource.id ? clip(a.resource.id, 1024) : describeResource(a.resource.parameters, a.account),
      parameters: scalarParameters(a.resource.parameters),
    },
    executionId: a.executionId ? clip(a.executionId, 128) : null,
    finding: a.finding
      ? {
          id: a.finding.id,
          productArn: a.finding.productArn,
          consoleLink: consoleLink(a.finding.id, findingRegion, a.partition),
          workflow: a.finding.workflow,
        }
      : null,
    summary: clip(a.summary, 1024) || a.status,
    changed: clip(a.changed, 1024),
    before: fitState(a.before),
    after: fitState(a.after),
    verified: a.verified,
    failure: a.failure ? { step: clip(a.failure.step, 128) || 'unknown', message: clip(a.failure.message, 1024) } : null,
    reason: a.reason ? clip(a.reason, 1024) : null,
    guidance: a.guidance ? clip(a.guidance, 2048) : null,
    findingUpdate: clip(a.findingUpdate, 1024),
  };
}

/**
 * `hubfix SUCCEEDED: IAM.15 in account 111122223333 us-east-1` or
 * `hubfix FAILED: EC2.13 on GroupId=sg-1 in 111122223333 eu-west-1`: ASCII, under 100 characters.
 */
export function notificationSubject(n: Notification): string {
  const what = n.control ?? n.document ?? n.controls[0] ?? 'finding';
  const where = n.resource.id === `AWS::::Account:${n.account}` ? `in account ${n.account}` : `on ${n.resource.id} in ${n.account}`;
  return asciiLine(`hubfix ${n.status}: ${what} ${where} ${n.region}`, SUBJECT_MAX);
}
