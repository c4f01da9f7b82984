import type { AwsCredentials, AwsOutput } from '../aws/invoker';
import type { Catalog } from '../compiler/catalog';
import type { CompiledRunbook } from '../compiler/compile';
import { DEFAULT_MEMBER_ROLE_NAME, runbookRoleName } from '../findings';
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
}

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
      { Effect: 'Allow', Action: ['ssm:StartAutomationExecution', 'ssm:GetAutomationExecution'], Resource: '*' },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: `arn:aws:iam::${account}:role/hubfix-*`,
        Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
      },
    ],
  };
}

export async function seedWorld(o: SeedOptions): Promise<World> {
  const inv = o.invoker;
  const at = o.at ?? new Date().toISOString();
  const progress = o.progress ?? (() => {});
  const admin =
    (region: string): Aws =>
    (service, operation, input = {}) =>
      inv.sdk.call({ service, operation, region, input }) as never;

  // the administrator: Security Hub in both Regions, the notification topic with a subscriber
  progress('administrator account: Security Hub, notification topic');
  for (const region of REGIONS) await admin(region)('securityhub', 'EnableSecurityHub', { EnableDefaultStandards: false });
  const topic = await admin(HOME_REGION)<{ TopicArn: string }>('sns', 'CreateTopic', { Name: TOPIC_NAME });
  await admin(HOME_REGION)('sns', 'Subscribe', { TopicArn: topic.TopicArn, Protocol: 'http', Endpoint: o.inbox.url });
  await admin(HOME_REGION)('sns', 'SetTopicAttributes', {
    TopicArn: topic.TopicArn,
    AttributeName: 'Policy',
    AttributeValue: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: MEMBER_ACCOUNTS.map((a) => `arn:aws:iam::${a}:root`) },
          Action: 'sns:Publish',
          Resource: topic.TopicArn,
        },
      ],
    }),
  });

  const memberCredentials = new Map<string, AwsCredentials>();
  const awsIn = (account: string, region: string): Aws => {
    const credentials = account === ADMIN_ACCOUNT ? undefined : memberCredentials.get(account);
    if (account !== ADMIN_ACCOUNT && !credentials) throw new Error(`account ${account} is not set up`);
    return (service, operation, input = {}) =>
      inv.sdk.call({ service, operation, region, input, ...(credentials ? { credentials } : {}) }) as never;
  };

  const resources: SeededResource[] = [];
  const documents = new Set(Object.values(o.catalog.controls).map((c) => c.document));
  const unseeded = [...documents].filter((d) => !SEEDERS.has(d)).sort();

  for (const account of MEMBER_ACCOUNTS) {
    progress(`member ${account}: roles, documents, resources`);
    const assumed = await inv.sdk.call({
      service: 'sts',
      operation: 'AssumeRole',
      region: HOME_REGION,
      input: { RoleArn: `arn:aws:iam::${account}:role/${SETUP_ROLE}`, RoleSessionName: 'hubfix-e2e-setup' },
    });
    memberCredentials.set(account, credentialsOf(assumed));
    const iam = awsIn(account, HOME_REGION);
    await iam('iam', 'CreateRole', {
      RoleName: DEFAULT_MEMBER_ROLE_NAME,
      AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${ADMIN_ACCOUNT}:role/${ORCHESTRATOR_ROLE}` }),
    });
    await iam('iam', 'PutRolePolicy', {
      RoleName: DEFAULT_MEMBER_ROLE_NAME,
      PolicyName: 'hubfix-member',
      PolicyDocument: JSON.stringify(memberRolePolicy(account)),
    });
    await iam('iam', 'CreateRole', { RoleName: STEP_RUNNER_ROLE, AssumeRolePolicyDocument: trust({ Service: 'lambda.amazonaws.com' }) });
    for (const rb of o.runbooks) {
      const roleName = runbookRoleName(rb.name);
      await iam('iam', 'CreateRole', {
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'ssm.amazonaws.com' }, Action: 'sts:AssumeRole' },
            { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:role/${STEP_RUNNER_ROLE}` }, Action: 'sts:AssumeRole' },
          ],
        }),
      });
      await iam('iam', 'PutRolePolicy', { RoleName: roleName, PolicyName: rb.name, PolicyDocument: JSON.stringify(rb.policy) });
    }
    for (const region of REGIONS) {
      const aws = awsIn(account, region);
      await aws('securityhub', 'EnableSecurityHub', { EnableDefaultStandards: false });
      for (const rb of o.runbooks)
        await aws('ssm', 'CreateDocument', { Name: rb.name, Content: rb.yaml, DocumentType: 'Automation', DocumentFormat: 'YAML' });
    }
    for (const region of REGIONS) {
      const shared = new Map<string, Promise<unknown>>();
      const env = {
        account,
        region,
        aws: awsIn(account, region),
        once<T>(key: string, make: () => Promise<T>): Promise<T> {
          let p = shared.get(key) as Promise<T> | undefined;
          if (!p) {
            p = make();
            shared.set(key, p);
          }
          return p;
        },
      };
      for (const document of [...documents].sort()) {
        const seeder = SEEDERS.get(document);
        if (!seeder) continue;
        if (seeder.where === 'account' && region !== HOME_REGION) continue;
        resources.push(...(await seeder.seed(env)));
      }
    }
  }

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
  for (const account of [...MEMBER_ACCOUNTS, ADMIN_ACCOUNT]) {
    for (const region of REGIONS) {
      const batch = findings
        .filter((f) => f.finding.Region === region && (account === ADMIN_ACCOUNT || f.finding.AwsAccountId === account))
        .map((f) => f.finding);
      for (let i = 0; i < batch.length; i += 100) {
        const out = await awsIn(account, region)('securityhub', 'BatchImportFindings', { Findings: batch.slice(i, i + 100) });
        if (Number(out.FailedCount ?? 0) > 0)
          throw new Error(`BatchImportFindings into ${account} ${region}: ${JSON.stringify(out.FailedFindings)}`);
      }
    }
  }
  return { topicArn: topic.TopicArn, memberCredentials, resources, findings, unseeded, awsIn };
}
