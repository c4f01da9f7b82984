import type { Invoker } from '../aws/invoker';
import type { Catalog } from '../compiler/catalog';
import { buildFinding, type Finding } from './asff';
import type { World } from './scenario';

/**
 * A backlog for the end-to-end tests: `count` customer KMS keys without rotation in one member
 * account and Region, each with its KMS.4 finding imported as Security Hub holds findings that
 * existed before hubfix was installed (NEW, older UpdatedAt), in the member and in the
 * administrator (moto does not aggregate), through the emulator's invoker (the Security Hub
 * stand-in keeps its own indexed copy). KMS keys because they are cheap in the emulator and their
 * runbook really changes them (EnableKeyRotation), so a fix can be read back.
 */

export interface Backlog {
  account: string;
  region: string;
  keyIds: string[];
  findings: Finding[];
}

export async function seedBacklog(
  world: World,
  catalog: Catalog,
  invoker: Invoker,
  o: { account: string; region: string; count: number; at?: string },
): Promise<Backlog> {
  const aws = world.awsIn(o.account, o.region);
  const control = Object.values(catalog.controls).find((c) => c.document === 'Hubfix-KMS-KeyRotation');
  if (!control) throw new Error('the catalog has no KMS key rotation control');
  const at = o.at ?? new Date(Date.now() - 30 * 86_400_000).toISOString();
  const keyIds: string[] = [];
  const findings: Finding[] = [];
  for (let i = 0; i < o.count; i++) {
    const key = await aws<{ KeyMetadata: { KeyId: string; Arn: string } }>('kms', 'CreateKey', { Description: `hubfix backlog key ${i}` });
    const { KeyId, Arn } = key.KeyMetadata;
    keyIds.push(KeyId);
    findings.push(
      buildFinding({
        format: 'consolidated',
        account: o.account,
        region: o.region,
        control: control.control,
        title: control.title,
        resource: {
          Type: 'AwsKmsKey',
          Id: Arn,
          Region: o.region,
          Details: { AwsKmsKey: { KeyId, KeyState: 'Enabled', Origin: 'AWS_KMS', KeyManager: 'CUSTOMER' } },
        },
        at,
      }),
    );
  }
  // through the emulator's invoker, so the Security Hub stand-in's copy knows them too
  const credentials = world.memberCredentials.get(o.account);
  for (let i = 0; i < findings.length; i += 100) {
    const batch = findings.slice(i, i + 100);
    for (const who of [credentials, undefined]) {
      const out = await invoker.call({
        service: 'securityhub',
        operation: 'BatchImportFindings',
        region: o.region,
        input: { Findings: batch },
        ...(who ? { credentials: who } : {}),
      });
      if (Number(out.FailedCount ?? 0) > 0) throw new Error(`BatchImportFindings (backlog): ${JSON.stringify(out.FailedFindings)}`);
    }
  }
  return { account: o.account, region: o.region, keyIds, findings };
}
