import { hasErrorCode } from '../aws/invoker';
import type { ResourceSpec } from './asff';
import type { Aws, Seeder } from './seeders';

/**
 * Seeders for the account foundations (issue 14): the support role (IAM.18). Each checks the
 * result by reading the emulator directly, not through the runbook's code.
 */

function accountResource(account: string, region: string): ResourceSpec {
  return { Type: 'AwsAccount', Id: `AWS::::Account:${account}`, Region: region };
}

const SUPPORT_POLICY = 'arn:aws:iam::aws:policy/AWSSupportAccess';

/** Roles with AWSSupportAccess attached whose trust policy names this account. */
async function supportRoleProblems(aws: Aws, account: string): Promise<string[]> {
  const out = await aws<{ PolicyRoles?: Array<{ RoleName: string }> }>('iam', 'ListEntitiesForPolicy', {
    PolicyArn: SUPPORT_POLICY,
    EntityFilter: 'Role',
  });
  const roles = out.PolicyRoles ?? [];
  if (roles.length === 0) return ['no role has AWSSupportAccess attached'];
  for (const r of roles) {
    const role = (await aws<{ Role: { AssumeRolePolicyDocument?: string } }>('iam', 'GetRole', { RoleName: r.RoleName })).Role;
    const trust = decodeURIComponent(role.AssumeRolePolicyDocument ?? '');
    if (trust.includes(`arn:aws:iam::${account}:root`)) return [];
  }
  return [`roles with AWSSupportAccess (${roles.map((r) => r.RoleName).join(', ')}) are not trusted by account ${account}`];
}

const supportRole: Seeder = {
  document: 'Hubfix-IAM-SupportRole',
  where: 'account',
  async seed({ account, region, aws }) {
    // a role trusted by the account but without the policy: not a support role, and not hubfix's to change
    await aws('iam', 'CreateRole', {
      RoleName: 'hubfix-e2e-ops',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }],
      }),
    });
    return [
      {
        document: this.document,
        account,
        region,
        label: `support role of ${account} (none has AWSSupportAccess)`,
        resource: accountResource(account, region),
        async problems(a) {
          const out = await supportRoleProblems(a, account);
          try {
            const attached = await a<{ AttachedPolicies?: unknown[] }>('iam', 'ListAttachedRolePolicies', { RoleName: 'hubfix-e2e-ops' });
            if ((attached.AttachedPolicies ?? []).length > 0) out.push('hubfix-e2e-ops was changed: it had no policy attached');
          } catch (err) {
            if (!hasErrorCode(err, 'NoSuchEntity')) throw err;
            out.push('hubfix-e2e-ops was deleted');
          }
          return out;
        },
      },
    ];
  },
};

export const FOUNDATION_SEEDERS: readonly Seeder[] = [supportRole];
