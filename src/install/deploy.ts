import { errorCode, errorMessage, hasErrorCode, type Invoker } from '../aws/invoker';
import { ADMIN_TEMPLATE, MEMBER_ACCOUNT_TEMPLATE, MEMBER_REGION_TEMPLATE } from '../cfn';
import type { PackageManifest } from './package';

/**
 * `hubfix deploy`: the administrator stack through a change set (shown, then confirmed or
 * `--yes`; `--dry-run` stops after showing it), then the two member StackSets and their
 * instances, for OUs (service-managed, automatic deployment to accounts that join) or for
 * accounts (self-managed), waiting with progress and printing each stack instance's outcome.
 * Running it again changes only what differs. A failure names the account, Region and
 * CloudFormation's reason, and the other accounts' work is kept.
 */

export const ADMIN_STACK = 'hubfix-admin';
export const MEMBER_ACCOUNT_STACKSET = 'hubfix-member-account';
export const MEMBER_REGION_STACKSET = 'hubfix-member-region';
const CAPABILITIES = ['CAPABILITY_NAMED_IAM'];

export interface DeployOptions {
  manifest: PackageManifest;
  invoker: Invoker;
  /** Where the administrator stack goes (the aggregation Region). */
  adminRegion: string;
  /** Member Regions (the member account stack goes to the first: IAM is global). */
  regions: readonly string[];
  accounts?: readonly string[];
  ous?: readonly string[];
  organizationId?: string;
  memberRoleName?: string;
  operatorRoleName?: string;
  yes?: boolean;
  dryRun?: boolean;
  confirm?: (question: string) => Promise<boolean>;
  administrationRoleArn?: string;
  executionRoleName?: string;
  out: (line: string) => void;
  progress?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  pollMs?: number;
  now?: () => number;
  timeoutMs?: number;
}

export interface InstanceOutcome {
  stackSet: string;
  account: string;
  region: string;
  status: string;
  reason?: string;
}

export interface DeployResult {
  admin: 'created' | 'updated' | 'unchanged' | 'previewed' | 'declined' | 'failed';
  instances: InstanceOutcome[];
  problems: string[];
}

const sleepReal = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function params(values: Record<string, string | undefined>): Array<{ ParameterKey: string; ParameterValue: string }> {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ({ ParameterKey: k, ParameterValue: v as string }));
}

async function until<T>(o: DeployOptions, what: string, poll: () => Promise<T>, done: (t: T) => boolean): Promise<T> {
  const now = o.now ?? Date.now;
  const deadline = now() + (o.timeoutMs ?? 60 * 60_000);
  for (;;) {
    const t = await poll();
    if (done(t)) return t;
    if (now() > deadline) throw new Error(`${what}: still not finished after ${Math.round((o.timeoutMs ?? 3_600_000) / 60_000)} min`);
    await (o.sleep ?? sleepReal)(o.pollMs ?? 5000);
  }
}

const cfn = (o: DeployOptions, operation: string, input: Record<string, unknown>, region = o.adminRegion) =>
  o.invoker.call({ service: 'cloudformation', operation, input, region });

async function stackStatus(o: DeployOptions): Promise<string | undefined> {
  try {
    const out = await cfn(o, 'DescribeStacks', { StackName: ADMIN_STACK });
    return (out.Stacks as Array<{ StackStatus: string }> | undefined)?.[0]?.StackStatus;
  } catch (err) {
    if (hasErrorCode(err, 'ValidationError') && /does not exist/.test(errorMessage(err))) return undefined;
    throw err;
  }
}

const NO_CHANGES = /didn't contain changes|No updates are to be performed/i;

async function deployAdmin(o: DeployOptions, problems: string[]): Promise<DeployResult['admin']> {
  const existing = await stackStatus(o);
  if (existing === 'ROLLBACK_COMPLETE') {
    problems.push(
      `admin stack ${ADMIN_STACK} (${o.adminRegion}) is ROLLBACK_COMPLETE from a failed creation: delete it, then deploy again`,
    );
    return 'failed';
  }
  const type = existing ? 'UPDATE' : 'CREATE';
  const created = await cfn(o, 'CreateChangeSet', {
    StackName: ADMIN_STACK,
    ChangeSetName: `hubfix-${(o.now ?? Date.now)()}`,
    ChangeSetType: type,
    TemplateURL: o.manifest.templates[ADMIN_TEMPLATE],
    Capabilities: CAPABILITIES,
    Parameters: params({
      OrganizationId: o.organizationId ?? '',
      MemberRoleName: o.memberRoleName,
      ...(o.accounts?.length && !o.organizationId ? { MemberAccountIds: o.accounts.join(',') } : {}),
    }),
  });
  const id = String(created.Id);
  const cs = await until(
    o,
    'change set',
    () => cfn(o, 'DescribeChangeSet', { ChangeSetName: id, StackName: ADMIN_STACK }),
    (d) => !/PENDING|IN_PROGRESS/.test(String(d.Status)),
  );
  const changes = (cs.Changes as Array<{ ResourceChange?: Record<string, string> }> | undefined) ?? [];
  if (cs.Status === 'FAILED') {
    await cfn(o, 'DeleteChangeSet', { ChangeSetName: id, StackName: ADMIN_STACK }).catch(() => {});
    if (NO_CHANGES.test(String(cs.StatusReason ?? ''))) {
      o.out(`admin stack ${ADMIN_STACK} (${o.adminRegion}): no changes`);
      return 'unchanged';
    }
    problems.push(`admin stack ${ADMIN_STACK} (${o.adminRegion}): change set failed: ${String(cs.StatusReason ?? 'no reason given')}`);
    return 'failed';
  }
  o.out(`admin stack ${ADMIN_STACK} (${o.adminRegion}): change set ${type === 'CREATE' ? 'creates the stack' : 'updates the stack'}:`);
  for (const c of changes) {
    const r = c.ResourceChange ?? {};
    o.out(`  ${r.Action ?? '?'} ${r.LogicalResourceId ?? '?'} ${r.ResourceType ?? ''}${r.Replacement === 'True' ? ' (replacement)' : ''}`);
  }
  if (changes.length === 0) o.out('  (no resource changes listed)');
  if (o.dryRun) {
    await cfn(o, 'DeleteChangeSet', { ChangeSetName: id, StackName: ADMIN_STACK });
    return 'previewed';
  }
  if (!o.yes) {
    const ok = o.confirm ? await o.confirm('Execute this change set?') : false;
    if (!ok) {
      await cfn(o, 'DeleteChangeSet', { ChangeSetName: id, StackName: ADMIN_STACK });
      problems.push('admin stack: change set not executed (not confirmed; pass --yes to skip the question)');
      return 'declined';
    }
  }
  await cfn(o, 'ExecuteChangeSet', { ChangeSetName: id, StackName: ADMIN_STACK });
  const final = await until(
    o,
    `stack ${ADMIN_STACK}`,
    async () => {
      const s = await stackStatus(o);
      o.progress?.(`admin stack: ${s}`);
      return s ?? 'MISSING';
    },
    (s) => !/IN_PROGRESS$/.test(s),
  );
  if (/ROLLBACK|FAILED/.test(final)) {
    const events = await cfn(o, 'DescribeStackEvents', { StackName: ADMIN_STACK });
    const failed = ((events.StackEvents as Array<Record<string, string>>) ?? []).filter((e) => /FAILED$/.test(e.ResourceStatus ?? ''));
    for (const e of failed.slice(0, 5))
      problems.push(`admin stack: ${e.LogicalResourceId} ${e.ResourceStatus}: ${e.ResourceStatusReason ?? ''}`);
    if (failed.length === 0) problems.push(`admin stack ended ${final}`);
    return 'failed';
  }
  o.out(`admin stack ${ADMIN_STACK}: ${final}`);
  return type === 'CREATE' ? 'created' : 'updated';
}

async function stackSetExists(o: DeployOptions, name: string): Promise<boolean> {
  try {
    await cfn(o, 'DescribeStackSet', { StackSetName: name });
    return true;
  } catch (err) {
    if (hasErrorCode(err, 'StackSetNotFoundException', 'StackSetNotFound')) return false;
    throw err;
  }
}

async function waitOperation(o: DeployOptions, name: string, operationId: string): Promise<string> {
  const op = await until(
    o,
    `StackSet ${name} operation`,
    async () => {
      const d = await cfn(o, 'DescribeStackSetOperation', { StackSetName: name, OperationId: operationId });
      const s = d.StackSetOperation as { Status?: string };
      o.progress?.(`${name}: ${s.Status}`);
      return s;
    },
    (s) => !/RUNNING|QUEUED|STOPPING/.test(String(s.Status)),
  );
  return String(op.Status);
}

async function listInstances(o: DeployOptions, name: string): Promise<InstanceOutcome[]> {
  const out: InstanceOutcome[] = [];
  let next: string | undefined;
  do {
    const page = await cfn(o, 'ListStackInstances', { StackSetName: name, ...(next ? { NextToken: next } : {}) });
    for (const s of (page.Summaries as Array<Record<string, unknown>>) ?? []) {
      const detailed = (s.StackInstanceStatus as { DetailedStatus?: string } | undefined)?.DetailedStatus;
      out.push({
        stackSet: name,
        account: String(s.Account),
        region: String(s.Region),
        status: detailed ?? String(s.Status),
        ...(s.StatusReason ? { reason: String(s.StatusReason) } : {}),
      });
    }
    next = typeof page.NextToken === 'string' ? page.NextToken : undefined;
  } while (next);
  return out;
}

async function deployStackSet(
  o: DeployOptions,
  name: string,
  templateFile: string,
  regions: readonly string[],
  parameters: Record<string, string | undefined>,
  problems: string[],
): Promise<InstanceOutcome[]> {
  const serviceManaged = Boolean(o.ous?.length);
  const common = {
    StackSetName: name,
    TemplateURL: o.manifest.templates[templateFile as keyof PackageManifest['templates']],
    Capabilities: CAPABILITIES,
    Parameters: params(parameters),
  };
  const preferences = {
    RegionConcurrencyType: 'PARALLEL',
    MaxConcurrentPercentage: 25,
    // one account's failure never stops the others
    FailureTolerancePercentage: 100,
  };
  const selfManagedRoles = {
    ...(o.administrationRoleArn ? { AdministrationRoleARN: o.administrationRoleArn } : {}),
    ...(o.executionRoleName ? { ExecutionRoleName: o.executionRoleName } : {}),
  };
  try {
    if (await stackSetExists(o, name)) {
      o.out(`${name}: updating the StackSet`);
      const op = await cfn(o, 'UpdateStackSet', {
        ...common,
        OperationPreferences: preferences,
        ...(serviceManaged ? {} : selfManagedRoles),
      });
      const status = await waitOperation(o, name, String(op.OperationId));
      if (status !== 'SUCCEEDED') problems.push(`${name}: update ended ${status}`);
    } else {
      o.out(`${name}: creating the StackSet (${serviceManaged ? 'service-managed' : 'self-managed'})`);
      await cfn(o, 'CreateStackSet', {
        ...common,
        PermissionModel: serviceManaged ? 'SERVICE_MANAGED' : 'SELF_MANAGED',
        ...(serviceManaged
          ? { AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false }, ManagedExecution: { Active: true } }
          : selfManagedRoles),
      });
    }
    const existing = await listInstances(o, name);
    if (serviceManaged) {
      const known = new Set(existing.map((i) => i.region));
      const missingRegions = regions.filter((r) => !known.has(r));
      const targets = missingRegions.length ? missingRegions : [];
      if (targets.length || existing.length === 0) {
        const op = await cfn(o, 'CreateStackInstances', {
          StackSetName: name,
          DeploymentTargets: { OrganizationalUnitIds: o.ous },
          Regions: targets.length ? targets : regions,
          OperationPreferences: preferences,
        });
        await waitOperation(o, name, String(op.OperationId));
      }
    } else {
      const have = new Set(existing.map((i) => `${i.account}|${i.region}`));
      const missing = (o.accounts ?? []).filter((a) => regions.some((r) => !have.has(`${a}|${r}`)));
      if (missing.length) {
        const op = await cfn(o, 'CreateStackInstances', {
          StackSetName: name,
          Accounts: missing,
          Regions: regions,
          OperationPreferences: preferences,
        });
        await waitOperation(o, name, String(op.OperationId));
      }
    }
  } catch (err) {
    problems.push(`${name}: ${errorCode(err)}: ${errorMessage(err)}`);
  }
  const wanted = new Set(regions);
  const instances = (await listInstances(o, name).catch(() => [])).filter(
    (i) => wanted.has(i.region) && (serviceManaged || (o.accounts ?? []).includes(i.account)),
  );
  for (const i of instances) {
    const ok = i.status === 'SUCCEEDED' || i.status === 'CURRENT';
    o.out(`  ${ok ? '✔' : '✘'} ${name} ${i.account} ${i.region} ${i.status}${i.reason ? `: ${i.reason}` : ''}`);
    if (!ok) problems.push(`${name}: account ${i.account}, ${i.region}: ${i.status}${i.reason ? `: ${i.reason}` : ''}`);
  }
  return instances;
}

export async function deploy(o: DeployOptions): Promise<DeployResult> {
  const problems: string[] = [];
  if (!o.accounts?.length && !o.ous?.length) throw new Error('give the member accounts (--accounts) or OUs (--ou)');
  if (o.accounts?.length && o.ous?.length) throw new Error('give --accounts or --ou, not both');
  const admin = await deployAdmin(o, problems);
  if (admin === 'failed' || admin === 'declined' || admin === 'previewed') {
    if (admin === 'previewed') {
      o.out(`then: StackSet ${MEMBER_ACCOUNT_STACKSET} in ${o.regions[0]} and ${MEMBER_REGION_STACKSET} in ${o.regions.join(', ')}`);
      o.out(`  for ${o.ous?.length ? `OUs ${o.ous.join(', ')}` : `accounts ${(o.accounts ?? []).join(', ')}`} (dry run: nothing changed)`);
    }
    return { admin, instances: [], problems };
  }
  const who = await o.invoker.call({ service: 'sts', operation: 'GetCallerIdentity', input: {}, region: o.adminRegion });
  const adminAccount = String(who.Account);
  const instances = [
    ...(await deployStackSet(
      o,
      MEMBER_ACCOUNT_STACKSET,
      MEMBER_ACCOUNT_TEMPLATE,
      [o.regions[0]],
      {
        AdministratorAccountId: adminAccount,
        MemberRoleName: o.memberRoleName,
        OrganizationId: o.organizationId ?? '',
        OperatorRoleName: o.operatorRoleName,
      },
      problems,
    )),
    ...(await deployStackSet(o, MEMBER_REGION_STACKSET, MEMBER_REGION_TEMPLATE, o.regions, {}, problems)),
  ];
  return { admin, instances, problems };
}
