import type { AwsCall, AwsCredentials, AwsOutput } from '../aws/invoker';
import { limiter } from '../util/pool';
import type { Catalog } from '../compiler/catalog';
import type { CompiledRunbook } from '../compiler/compile';
import { DEFAULT_MEMBER_ROLE_NAME, runbookRoleName } from '../findings';
import { resolvePlaceholders } from '../iam/permission';
import { buildFinding, type Finding, type FindingFormat } from './asff';
import type { NotificationInbox } from './inbox';
import type { EmulatorInvoker } from './invoker';
import { type Aws, SEEDERS, type SeededResource } from './seeders';

/**
 * The world the end-to-end tests and the demo share: an administrator account and two member
 * accounts in two Regions, set up through the emulator's own APIs (STS AssumeRole into each
 * member; IAM roles; SSM documents; Security Hub), with non-compliant resources for every runbook
 * in the catalog and their findings imported as Security Hub writes them.
 */

export const ADMIN_ACCOUNT = '123456789012';
export const MEMBER_ACCOUNTS = ['111111111111', '222222222222'] as const;
export const REGIONS = ['us-east-1', 'eu-west-1'] as const;
/** Where account-level (IAM) controls are evaluated, and where the notification topic lives. */
export const HOME_REGION = 'us-east-1';
/** The role the administrator uses to set a member account up (AWS Organizations creates it in every member). */
export const SETUP_ROLE = 'OrganizationAccountAccessRole';
/** The orchestrator Lambda's role in the administrator account (the member role trusts it). */
export const ORCHESTRATOR_ROLE = 'hubfix-orchestrator';
/** The step runner Lambda's role in each member account (script steps assume the runbook role from it). */
export const STEP_RUNNER_ROLE = 'hubfix-step-runner';
export const TOPIC_NAME = 'hubfix-notifications';

/** Member 111… gets consolidated findings; member 222… the CIS 1.2.0 standard-specific ones where a control has a 1.2.0 rule. */
export function formatFor(account: string): FindingFormat {
  return account === MEMBER_ACCOUNTS[0] ? 'consolidated' : 'cis-1.2.0';
}

export interface SeededFinding {
  finding: Finding;
  control: string;
  seeded: SeededResource;
}

export interface World {
  topicArn: string;
  members: readonly string[];
  /** Credentials of the setup role in each member account (for reading resources back). */
  memberCredentials: ReadonlyMap<string, AwsCredentials>;
  resources: SeededResource[];
  findings: SeededFinding[];
  /** Documents in the catalog that have no seeder (a named gap, never silent). */
  unseeded: string[];
  /** Calls in an account and Region with that account's setup credentials. */
  awsIn(account: string, region: string): Aws;
}

export interface SeedOptions {
  invoker: EmulatorInvoker;
  catalog: Catalog;
  runbooks: readonly CompiledRunbook[];
  inbox: NotificationInbox;
  /** ISO time stamped on the findings (default now). */
  at?: string;
  progress?: (line: string) => void;
  /** AWS calls in flight at once while seeding (default SEED_CONCURRENCY). */
  concurrency?: number;
  /**
   * Who installed hubfix in the accounts: 'by-hand' (default: the seeding creates the member role,
   * the runbook and step runner roles, the documents and the topic policy) or 'cloudformation'
   * (the templates did: the seeding adds only resources, findings and the topic's subscriber).
   */
  installedBy?: 'by-hand' | 'cloudformation';
  /** The member accounts (default MEMBER_ACCOUNTS; the scale benchmark uses 20). */
  members?: readonly string[];
  /** More resources of one region-scoped seeder in every member and Region (the scale benchmark's padding). */
  extra?: { document: string; perRegion: number };
}

export const SEED_CONCURRENCY = 4;

function credentialsOf(out: AwsOutput): AwsCredentials {
  const c = out.Credentials as Record<string, string>;
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

function trust(principal: Record<string, string>): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }] });
}

/** The member role: what the orchestrator may do in a member account. */
export function memberRolePolicy(account: string): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['ssm:StartAutomationExecution', 'ssm:GetAutomationExecution', 'ssm:DescribeAutomationExecutions'],
        Resource: '*',
      },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: `arn:aws:iam::${account}:role/hubfix-*`,
        Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
      },
    ],
  };
}

/** The member role, the step runner's role and one role per runbook in a member account, all at once. */
async function setUpRoles(iam: Aws, account: string, runbooks: readonly CompiledRunbook[]): Promise<void> {
  const role = async (roleName: string, trustPolicy: string, policy?: { name: string; document: unknown }) => {
    await iam('iam', 'CreateRole', { RoleName: roleName, AssumeRolePolicyDocument: trustPolicy });
    if (policy)
      await iam('iam', 'PutRolePolicy', { RoleName: roleName, PolicyName: policy.name, PolicyDocument: JSON.stringify(policy.document) });
  };
  const runbookTrust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'ssm.amazonaws.com' }, Action: 'sts:AssumeRole' },
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:role/${STEP_RUNNER_ROLE}` }, Action: 'sts:AssumeRole' },
    ],
  });
  await Promise.all([
    role(DEFAULT_MEMBER_ROLE_NAME, trust({ AWS: `arn:aws:iam::${ADMIN_ACCOUNT}:role/${ORCHESTRATOR_ROLE}` }), {
      name: 'hubfix-member',
      document: memberRolePolicy(account),
    }),
    role(STEP_RUNNER_ROLE, trust({ Service: 'lambda.amazonaws.com' })),
    ...runbooks.map((rb) =>
      role(runbookRoleName(rb.name), runbookTrust, {
        name: rb.name,
        // as the member template installs it: partition, account and the administrator's topic filled in
        document: resolvePlaceholders(rb.policy, {
          partition: 'aws',
          account,
          administratorAccount: ADMIN_ACCOUNT,
          notificationTopicName: TOPIC_NAME,
        }),
      }),
    ),
  ]);
}

/** Security Hub and every runbook's document (none when installed by the templates) in a member account and Region. */
async function deployDocuments(aws: Aws, runbooks: readonly CompiledRunbook[]): Promise<void> {
  await Promise.all([
    aws('securityhub', 'EnableSecurityHub', { EnableDefaultStandards: false }),
    ...runbooks.map((rb) =>
      aws('ssm', 'CreateDocument', { Name: rb.name, Content: rb.yaml, DocumentType: 'Automation', DocumentFormat: 'YAML' }),
    ),
  ]);
}

/** Every seeder that belongs in this account and Region, at once; resources in document order. */
async function seedRegion(
  account: string,
  region: string,
  aws: Aws,
  documents: ReadonlySet<string>,
  extra?: SeedOptions['extra'],
): Promise<SeededResource[]> {
  const shared = new Map<string, Promise<unknown>>();
  const env = {
    account,
    region,
    aws,
    once<T>(key: string, make: () => Promise<T>): Promise<T> {
      let p = shared.get(key) as Promise<T> | undefined;
      if (!p) {
        p = make();
        shared.set(key, p);
      }
      return p;
    },
  };
  const seeders = [...documents]
    .sort()
    .map((d) => SEEDERS.get(d))
    .filter((s): s is NonNullable<typeof s> => s !== undefined && (s.where === 'region' || region === HOME_REGION));
  const padding = extra ? SEEDERS.get(extra.document) : undefined;
  if (extra && padding?.where !== 'region') throw new Error(`cannot pad with ${extra.document}: it has no region-scoped seeder`);
  for (let i = 0; padding && i < (extra?.perRegion ?? 0); i++) seeders.push(padding);
  return (await Promise.all(seeders.map((s) => s.seed(env)))).flat();
}

export async function seedWorld(o: SeedOptions): Promise<World> {
  const inv = o.invoker;
  const at = o.at ?? new Date().toISOString();
  const progress = o.progress ?? (() => {});
  // the emulator answers in threads under one interpreter lock: a few calls in flight keep it
  // busy, many only make its threads fight
  const gate = limiter(o.concurrency ?? SEED_CONCURRENCY);
  const members = o.members ?? MEMBER_ACCOUNTS;
  const call = (c: AwsCall): Promise<AwsOutput> => gate(() => inv.sdk.call(c));
  const admin =
    (region: string): Aws =>
    (service, operation, input = {}) =>
      call({ service, operation, region, input }) as never;

  // the administrator: Security Hub in both Regions, the notification topic with a subscriber
  progress('administrator account: Security Hub, notification topic');
  const [topic] = await Promise.all([
    admin(HOME_REGION)<{ TopicArn: string }>('sns', 'CreateTopic', { Name: TOPIC_NAME }),
    ...REGIONS.map((region) => admin(region)('securityhub', 'EnableSecurityHub', { EnableDefaultStandards: false })),
  ]);
  const byHand = o.installedBy !== 'cloudformation';
  await Promise.all([
    admin(HOME_REGION)('sns', 'Subscribe', { TopicArn: topic.TopicArn, Protocol: 'http', Endpoint: o.inbox.url }),
    byHand &&
      admin(HOME_REGION)('sns', 'SetTopicAttributes', {
        TopicArn: topic.TopicArn,
        AttributeName: 'Policy',
        AttributeValue: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: members.map((a) => `arn:aws:iam::${a}:root`) },
              Action: 'sns:Publish',
              Resource: topic.TopicArn,
            },
          ],
        }),
      }),
  ]);

  const memberCredentials = new Map<string, AwsCredentials>();
  const awsIn = (account: string, region: string): Aws => {
    const credentials = account === ADMIN_ACCOUNT ? undefined : memberCredentials.get(account);
    if (account !== ADMIN_ACCOUNT && !credentials) throw new Error(`account ${account} is not set up`);
    return (service, operation, input = {}) =>
      call({ service, operation, region, input, ...(credentials ? { credentials } : {}) }) as never;
  };

  // guided runbooks change nothing, so they have no "fixed afterwards" to seed for
  const documents = new Set(
    Object.values(o.catalog.controls)
      .filter((c) => !c.guided)
      .map((c) => c.document),
  );
  const unseeded = [...documents].filter((d) => !SEEDERS.has(d)).sort();

  // every member, Region and seeder at once (the emulator serves requests in threads); the
  // resources keep a fixed order (account, Region, document) whatever finishes first
  progress(`member accounts ${members.join(', ')}: roles, documents, resources`);
  const perAccount = await Promise.all(
    members.map(async (account) => {
      const assumed = await call({
        service: 'sts',
        operation: 'AssumeRole',
        region: HOME_REGION,
        input: { RoleArn: `arn:aws:iam::${account}:role/${SETUP_ROLE}`, RoleSessionName: 'hubfix-e2e-setup' },
      });
      memberCredentials.set(account, credentialsOf(assumed));
      const [, , perRegion] = await Promise.all([
        byHand && setUpRoles(awsIn(account, HOME_REGION), account, o.runbooks),
        Promise.all(REGIONS.map((region) => deployDocuments(awsIn(account, region), byHand ? o.runbooks : []))),
        Promise.all(REGIONS.map((region) => seedRegion(account, region, awsIn(account, region), documents, o.extra))),
      ]);
      return perRegion.flat();
    }),
  );
  const resources: SeededResource[] = perAccount.flat();

  // one finding per seeded resource and control, in the member and (aggregated) in the administrator
  progress('importing findings (BatchImportFindings)');
  const findings: SeededFinding[] = [];
  for (const seeded of resources) {
    const controls = Object.values(o.catalog.controls).filter(
      (c) => c.document === seeded.document && (!seeded.controls || seeded.controls.includes(c.control)),
    );
    for (const c of controls) {
      const cisRule = c.aliases['cis-1.2.0']?.[0];
      const format: FindingFormat = formatFor(seeded.account) === 'cis-1.2.0' && cisRule ? 'cis-1.2.0' : 'consolidated';
      const finding = buildFinding({
        format,
        account: seeded.account,
        region: seeded.region,
        control: c.control,
        ...(cisRule ? { cisRule } : {}),
        title: c.title,
        resource: seeded.resource,
        at,
      });
      findings.push({ finding, control: c.control, seeded });
    }
  }
  const imports = [...members, ADMIN_ACCOUNT].flatMap((account) =>
    REGIONS.flatMap((region) => {
      const batch = findings
        .filter((f) => f.finding.Region === region && (account === ADMIN_ACCOUNT || f.finding.AwsAccountId === account))
        .map((f) => f.finding);
      const chunks: Array<() => Promise<void>> = [];
      for (let i = 0; i < batch.length; i += 100) {
        const chunk = batch.slice(i, i + 100);
        chunks.push(async () => {
          // through the invoker, so the Security Hub stand-in's indexed copy sees them
          const credentials = account === ADMIN_ACCOUNT ? undefined : memberCredentials.get(account);
          const out = await inv.call({
            service: 'securityhub',
            operation: 'BatchImportFindings',
            region,
            input: { Findings: chunk },
            ...(credentials ? { credentials } : {}),
          });
          if (Number(out.FailedCount ?? 0) > 0)
            throw new Error(`BatchImportFindings into ${account} ${region}: ${JSON.stringify(out.FailedFindings)}`);
        });
      }
      return chunks;
    }),
  );
  await Promise.all(imports.map((run) => run()));
  return { topicArn: topic.TopicArn, members, memberCredentials, resources, findings, unseeded, awsIn };
}
