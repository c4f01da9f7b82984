import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { type AwsCredentials, errorCode, errorMessage, type Invoker } from '../aws/invoker';
import { EVENTS_QUEUE_NAME, MAX_RECEIVES, RULE_NAMES } from '../cfn/events';
import { SWEEP_RULE_NAME } from '../cfn/sweep';
import type { CompiledRunbook } from '../compiler/compile';
import { DRY_RUN_ACTION_ID, listActionTargets, REMEDIATE_ACTION_ID } from '../finalizer/actions';
import { configFromText } from '../findings/config';
import { CONFIG_PARAMETER_NAME } from '../findings/config-parameter';
import { runbookRoleName } from '../findings/naming';
import { FAILURE_QUEUE_NAME, NOTIFICATION_TOPIC_NAME } from '../cfn/admin';
import { arnPattern, PLACEHOLDERS, type PrincipalPermission, resolvePlaceholders } from '../iam/permission';
import { ORCHESTRATOR_FUNCTION, STEP_RUNNER_ROLE_NAME } from '../iam/names';
import type { PrincipalPolicy } from '../iam/principals';
import { STEP_RUNNER_FUNCTION } from '../model/steps';
import { mapLimit } from '../util/pool';

/**
 * `hubfix doctor`: a read-only preflight of an installation, per account × Region, each check a
 * row with ✔/✘ and, for a ✘, the fix. The administrator account's checks run with the caller's
 * credentials; each member's through the member role (which is itself the first check).
 */

/** The member role's read-only permissions for these checks (part of its derived policy). */
export const DOCTOR_MEMBER_PERMISSIONS: readonly PrincipalPermission[] = [
  { action: 'securityhub:DescribeHub', resource: arnPattern('securityhub', '*', PLACEHOLDERS.account, 'hub/default') },
  { action: 'ssm:GetDocument', resource: arnPattern('ssm', '*', PLACEHOLDERS.account, 'document/Hubfix-*') },
  { action: 'lambda:GetFunction', resource: arnPattern('lambda', '*', PLACEHOLDERS.account, `function:${STEP_RUNNER_FUNCTION}`) },
  { action: 'iam:GetRole', resource: arnPattern('iam', '', PLACEHOLDERS.account, 'role/hubfix-*') },
  { action: 'iam:GetRolePolicy', resource: arnPattern('iam', '', PLACEHOLDERS.account, 'role/hubfix-*') },
];

export interface DoctorRow {
  account: string;
  region: string;
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export interface Expected {
  runbooks: readonly CompiledRunbook[];
  stepRunnerPolicy: PrincipalPolicy;
  /** base64 SHA-256 of the Lambda zips (what Lambda reports as CodeSha256), when a build is at hand. */
  codeSha256: { orchestrator?: string; 'step-runner'?: string };
}

export interface DoctorOptions {
  invoker: Invoker;
  adminRegion: string;
  regions: readonly string[];
  accounts: readonly string[];
  memberRoleName: string;
  expected: Expected;
  concurrency?: number;
}

/** The code hashes of a build directory's zips (base64, as Lambda reports CodeSha256). */
export function codeHashesOf(dist: string): Expected['codeSha256'] {
  const out: Expected['codeSha256'] = {};
  for (const name of ['orchestrator', 'step-runner'] as const) {
    const file = path.join(dist, 'lambda', `${name}.zip`);
    if (fs.existsSync(file)) out[name] = createHash('sha256').update(fs.readFileSync(file)).digest('base64');
  }
  return out;
}

/**
 * An IAM document as GetRole/GetRolePolicy return it (URL-encoded JSON) → object. The emulator's
 * CloudFormation stores inline policies as Python literals (`{'Version': ...}`): read those too.
 */
export function policyDoc(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = /^%7B/i.test(value) ? decodeURIComponent(value) : value;
  try {
    return JSON.parse(text);
  } catch (err) {
    if (!text.startsWith("{'") || text.includes('"')) throw err;
    return JSON.parse(
      text
        .replaceAll("'", '"')
        .replace(/\bTrue\b/g, 'true')
        .replace(/\bFalse\b/g, 'false')
        .replace(/\bNone\b/g, 'null'),
    );
  }
}

/** Single values and one-element lists compare equal, as IAM treats them. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 1 ? normalize(value[0]) : value.map(normalize);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, normalize(v)]),
    );
  return value;
}

const same = (a: unknown, b: unknown) => JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));

/** The build's documents in comparable form, computed once per run (not once per account and Region). */
const canonicalDocuments = new WeakMap<object, string>();
function canonicalDocument(rb: CompiledRunbook): string {
  let text = canonicalDocuments.get(rb.document);
  if (text === undefined) {
    text = JSON.stringify(normalize(rb.document));
    canonicalDocuments.set(rb.document, text);
  }
  return text;
}

/** A principal policy with its placeholders filled for one account. */
export function resolvedFor(policy: unknown, values: Record<string, string>): unknown {
  return JSON.parse(JSON.stringify(policy).replace(/\$\{([A-Za-z:.]+)\}/g, (m, k: string) => values[k] ?? m));
}

/** A runbook policy as the member template installs it in `account` (the topic as named by default). */
function runbookPolicyIn(policy: unknown, partition: string, account: string, adminAccount: string): unknown {
  return resolvePlaceholders(policy, {
    partition,
    account,
    administratorAccount: adminAccount,
    notificationTopicName: NOTIFICATION_TOPIC_NAME,
  });
}

const failure = (err: unknown) => `${errorCode(err)}: ${errorMessage(err)}`.slice(0, 300);

async function adminChecks(o: DoctorOptions, account: string, region: string): Promise<DoctorRow[]> {
  const rows: DoctorRow[] = [];
  const row = (check: string, ok: boolean, detail: string, fix?: string) =>
    rows.push({ account, region, check, ok, detail, ...(ok || !fix ? {} : { fix }) });
  const call = (service: string, operation: string, input: Record<string, unknown> = {}) =>
    o.invoker.call({ service, operation, input, region });
  const redeployAdmin = 'run `hubfix deploy` (it updates the hubfix-admin stack)';

  let orchestratorArn = '';
  try {
    const f = await call('lambda', 'GetFunction', { FunctionName: ORCHESTRATOR_FUNCTION });
    const c = f.Configuration as { FunctionArn?: string; CodeSha256?: string; Runtime?: string };
    orchestratorArn = String(c.FunctionArn ?? '');
    const want = o.expected.codeSha256.orchestrator;
    const codeOk = !want || c.CodeSha256 === want;
    row(
      'orchestrator',
      codeOk,
      codeOk ? `${c.Runtime}${want ? ', code is this build' : ''}` : `code ${c.CodeSha256} is not this build's ${want}`,
      'run `hubfix package` and `hubfix deploy`',
    );
  } catch (err) {
    row('orchestrator', false, `function ${ORCHESTRATOR_FUNCTION}: ${failure(err)}`, redeployAdmin);
  }
  // the rules feed the events queue, and the queue feeds the orchestrator
  const queueArn = orchestratorArn
    ? orchestratorArn.replace(/^arn:([^:]+):lambda:([^:]+):(\d{12}):.*$/, `arn:$1:sqs:$2:$3:${EVENTS_QUEUE_NAME}`)
    : '';
  // the sweep's schedule targets the orchestrator itself (src/cfn/sweep.ts)
  for (const name of [...RULE_NAMES, SWEEP_RULE_NAME]) {
    const [want, wantText] =
      name === SWEEP_RULE_NAME ? [orchestratorArn, 'the orchestrator'] : [queueArn, `the queue ${EVENTS_QUEUE_NAME}`];
    try {
      const rule = await call('events', 'DescribeRule', { Name: name });
      const targets = await call('events', 'ListTargetsByRule', { Rule: name });
      const arns = ((targets.Targets as Array<{ Arn?: string }>) ?? []).map((t) => t.Arn);
      const enabled = rule.State === 'ENABLED';
      const aimed = want !== '' && arns.includes(want);
      row(
        `rule ${name}`,
        enabled && aimed,
        !enabled
          ? `rule is ${String(rule.State)}`
          : aimed
            ? `enabled, targets ${wantText}`
            : `targets ${arns.join(', ') || 'nothing'}, not ${wantText}`,
        redeployAdmin,
      );
    } catch (err) {
      row(`rule ${name}`, false, failure(err), redeployAdmin);
    }
  }
  if (queueArn)
    try {
      const out = await call('lambda', 'ListEventSourceMappings', { FunctionName: ORCHESTRATOR_FUNCTION, EventSourceArn: queueArn });
      const mappings = (out.EventSourceMappings as Array<{ State?: string; FunctionResponseTypes?: string[] }>) ?? [];
      const m = mappings[0];
      const reports = m?.FunctionResponseTypes?.includes('ReportBatchItemFailures') ?? false;
      const ok = m !== undefined && m.State !== 'Disabled' && reports;
      row(
        'events queue',
        ok,
        !m
          ? `no event source mapping from ${EVENTS_QUEUE_NAME} to the orchestrator`
          : ok
            ? `${EVENTS_QUEUE_NAME} feeds the orchestrator (${m.State ?? 'state unknown'}, failures reported per message)`
            : `mapping is ${m.State ?? 'in an unknown state'}${reports ? '' : ', without ReportBatchItemFailures'}`,
        redeployAdmin,
      );
    } catch (err) {
      row('events queue', false, failure(err), redeployAdmin);
    }
  // what failed every delivery waits in the failure queue until a person looks
  try {
    const url = String((await call('sqs', 'GetQueueUrl', { QueueName: FAILURE_QUEUE_NAME })).QueueUrl);
    const out = await call('sqs', 'GetQueueAttributes', { QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] });
    const waiting = Number((out.Attributes as Record<string, string> | undefined)?.ApproximateNumberOfMessages ?? 0);
    row(
      'failed events',
      waiting === 0,
      waiting === 0
        ? `${FAILURE_QUEUE_NAME} is empty`
        : `${waiting} message(s) in ${FAILURE_QUEUE_NAME}: events that failed ${MAX_RECEIVES} deliveries, or direct invocations that failed their retries`,
      `read them (aws sqs receive-message --queue-url ${url} --max-number-of-messages 10) and fix the cause (the orchestrator's log names each failure); then move the queue's events back with aws sqs start-message-move-task --source-arn <the ARN of ${FAILURE_QUEUE_NAME}>, and invoke the orchestrator again with the requestPayload of a direct invocation's record`,
    );
  } catch (err) {
    row('failed events', false, failure(err), redeployAdmin);
  }
  try {
    const ids = new Set((await listActionTargets(o.invoker, region)).map((t) => t.id));
    const missing = [REMEDIATE_ACTION_ID, DRY_RUN_ACTION_ID].filter((id) => !ids.has(id));
    row(
      'custom actions',
      missing.length === 0,
      missing.length ? `missing ${missing.join(', ')}` : 'Remediate and dry run present',
      redeployAdmin,
    );
  } catch (err) {
    row('custom actions', false, failure(err), 'enable Security Hub in this Region, then run `hubfix deploy`');
  }
  try {
    const p = await call('ssm', 'GetParameter', { Name: CONFIG_PARAMETER_NAME });
    configFromText(String((p.Parameter as { Value?: string }).Value ?? ''), `SSM parameter ${CONFIG_PARAMETER_NAME}`);
    row('configuration', true, `${CONFIG_PARAMETER_NAME} parses`);
  } catch (err) {
    row(
      'configuration',
      false,
      (err as Error).message.slice(0, 300),
      `fix the YAML in SSM parameter ${CONFIG_PARAMETER_NAME} (schemas/config.schema.json)`,
    );
  }
  return rows;
}

async function memberChecks(o: DoctorOptions, account: string, partition: string, adminAccount: string): Promise<DoctorRow[]> {
  const home = o.regions[0];
  const rows: DoctorRow[] = [];
  const row = (region: string, check: string, ok: boolean, detail: string, fix?: string) =>
    rows.push({ account, region, check, ok, detail, ...(ok || !fix ? {} : { fix }) });
  const roleArn = `arn:${partition}:iam::${account}:role/${o.memberRoleName}`;
  let credentials: AwsCredentials;
  try {
    const out = await o.invoker.call({
      service: 'sts',
      operation: 'AssumeRole',
      region: home,
      input: { RoleArn: roleArn, RoleSessionName: 'hubfix-doctor' },
    });
    const c = out.Credentials as { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
    credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    row(home, 'member role', true, `assumed ${roleArn}`);
  } catch (err) {
    row(
      home,
      'member role',
      false,
      `cannot assume ${roleArn}: ${failure(err)}`,
      'deploy the hubfix-member-account StackSet to this account; run doctor as a role the member role trusts (OperatorRoleName)',
    );
    return rows;
  }
  const call = (region: string, service: string, operation: string, input: Record<string, unknown>) =>
    o.invoker.call({ service, operation, input, region, account, credentials });
  const redeployAccount = 'redeploy the hubfix-member-account StackSet instance of this account (`hubfix deploy`)';
  const redeployRegion = 'redeploy the hubfix-member-region StackSet instance of this account and Region (`hubfix deploy`)';

  // IAM is global: the roles are checked once per account
  const stepRunnerArn = `arn:${partition}:iam::${account}:role/${STEP_RUNNER_ROLE_NAME}`;
  const roles = [
    ...o.expected.runbooks.map((rb) => ({
      name: runbookRoleName(rb.name),
      policyName: rb.name,
      policy: runbookPolicyIn(rb.policy, partition, account, adminAccount),
    })),
    {
      name: STEP_RUNNER_ROLE_NAME,
      policyName: 'hubfix-step-runner',
      policy: resolvedFor(o.expected.stepRunnerPolicy, { 'AWS::Partition': partition, 'AWS::AccountId': account }),
    },
  ];
  await mapLimit(roles, 4, async (r) => {
    try {
      const got = await call(home, 'iam', 'GetRole', { RoleName: r.name });
      const trust = policyDoc((got.Role as { AssumeRolePolicyDocument?: unknown }).AssumeRolePolicyDocument) as {
        Statement?: Array<{ Principal?: { Service?: unknown; AWS?: unknown } }>;
      };
      const principals = JSON.stringify((trust.Statement ?? []).map((s) => s.Principal));
      const trustOk =
        r.name === STEP_RUNNER_ROLE_NAME
          ? principals.includes('lambda.amazonaws.com')
          : principals.includes('ssm.amazonaws.com') && principals.includes(stepRunnerArn);
      const p = await call(home, 'iam', 'GetRolePolicy', { RoleName: r.name, PolicyName: r.policyName });
      const policyOk = same(policyDoc(p.PolicyDocument), r.policy);
      row(
        home,
        `role ${r.name}`,
        trustOk && policyOk,
        !trustOk ? 'trust policy is not hubfix’s' : !policyOk ? 'policy differs from the derived one' : 'trust and derived policy match',
        redeployAccount,
      );
    } catch (err) {
      row(
        home,
        `role ${r.name}`,
        false,
        `${/NoSuchEntity/.test(errorCode(err)) ? 'missing' : 'unreadable'}: ${failure(err)}`,
        redeployAccount,
      );
    }
  });

  for (const region of o.regions) {
    try {
      await call(region, 'securityhub', 'DescribeHub', {});
      row(region, 'security hub', true, 'enabled');
    } catch (err) {
      row(
        region,
        'security hub',
        false,
        failure(err),
        'enable Security Hub in this account and Region (or from the delegated administrator)',
      );
    }
    const wrong: string[] = [];
    await mapLimit(o.expected.runbooks, 4, async (rb) => {
      try {
        const d = await call(region, 'ssm', 'GetDocument', { Name: rb.name });
        const content = d.DocumentFormat === 'YAML' ? load(String(d.Content)) : JSON.parse(String(d.Content));
        if (JSON.stringify(normalize(content)) !== canonicalDocument(rb)) wrong.push(`${rb.name} differs from this build`);
      } catch (err) {
        wrong.push(`${rb.name} ${/InvalidDocument|NotFound/.test(errorCode(err)) ? 'missing' : `unreadable (${errorCode(err)})`}`);
      }
    });
    row(
      region,
      'documents',
      wrong.length === 0,
      wrong.length ? wrong.sort().join('; ') : `${o.expected.runbooks.length} documents match this build`,
      redeployRegion,
    );
    try {
      const f = await call(region, 'lambda', 'GetFunction', { FunctionName: STEP_RUNNER_FUNCTION });
      const c = f.Configuration as { CodeSha256?: string; Role?: string; Runtime?: string };
      const want = o.expected.codeSha256['step-runner'];
      const codeOk = !want || c.CodeSha256 === want;
      const roleOk = c.Role === stepRunnerArn;
      row(
        region,
        'step runner',
        codeOk && roleOk,
        !roleOk
          ? `runs as ${c.Role}, not ${stepRunnerArn}`
          : codeOk
            ? `${c.Runtime}${want ? ', code is this build' : ''}`
            : `code ${c.CodeSha256} is not this build's`,
        redeployRegion,
      );
    } catch (err) {
      row(region, 'step runner', false, failure(err), redeployRegion);
    }
  }
  return rows;
}

export async function doctor(o: DoctorOptions): Promise<DoctorRow[]> {
  const who = await o.invoker.call({ service: 'sts', operation: 'GetCallerIdentity', input: {}, region: o.adminRegion });
  const adminAccount = String(who.Account);
  const partition = /^arn:([^:]+):/.exec(String(who.Arn ?? ''))?.[1] ?? 'aws';
  const admin = await adminChecks(o, adminAccount, o.adminRegion);
  const members = await mapLimit(o.accounts, o.concurrency ?? 8, (a) => memberChecks(o, a, partition, adminAccount));
  return [...admin, ...members.flat()];
}

/** The rows as a table: one line each, ✔/✘, and the fix under a ✘. */
export function doctorTable(rows: readonly DoctorRow[]): string {
  const w = (k: keyof DoctorRow) => Math.max(...rows.map((r) => String(r[k]).length), 0);
  const [wa, wr, wc] = [w('account'), w('region'), w('check')];
  const lines = rows.map((r) => {
    const head = `${r.ok ? '✔' : '✘'} ${r.account.padEnd(wa)}  ${r.region.padEnd(wr)}  ${r.check.padEnd(wc)}  ${r.detail}`;
    return r.fix ? `${head}\n  ${' '.repeat(wa + wr + wc + 4)}fix: ${r.fix}` : head;
  });
  const bad = rows.filter((r) => !r.ok).length;
  lines.push(bad === 0 ? `all ${rows.length} checks passed` : `${bad} of ${rows.length} checks failed`);
  return `${lines.join('\n')}\n`;
}
