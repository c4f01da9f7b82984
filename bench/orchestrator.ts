import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AwsCall, AwsOutput, Invoker } from '../src/aws/invoker';
import type { Catalog, CatalogControl } from '../src/compiler/catalog';
import { defaultConfig } from '../src/findings/config';
import { decide } from '../src/findings/decide';
import { handleEvent } from '../src/findings/orchestrate';
import type { BenchResult } from './types';
import { median } from './stats';

/**
 * The orchestrator's figures (issue 4): decide() throughput, AWS calls per started finding for a
 * 100-finding custom action across 5 accounts (counted with a stub invoker), and the bundle size.
 * The catalog is built here, so the figures do not depend on which runbooks ship.
 */

const SG_PATTERN = '^arn:aws(?:-cn|-us-gov)?:ec2:[a-z0-9-]+:\\d{12}:security-group/(sg-[0-9a-f]{8,17})$';

function control(c: Pick<CatalogControl, 'control' | 'document' | 'scope' | 'resourceType'> & Partial<CatalogControl>): CatalogControl {
  return {
    title: c.control,
    class: 'A',
    defaultMode: 'auto',
    aliases: {},
    parameters: {},
    extract: [],
    changes: '',
    guidance: 'guidance',
    permissions: [],
    ...c,
  };
}

function benchCatalog(): Catalog {
  return {
    version: 1,
    controls: {
      'IAM.15': control({
        control: 'IAM.15',
        document: 'Hubfix-Bench-PasswordPolicy',
        scope: 'account',
        resourceType: 'AwsAccount',
        aliases: { 'cis-1.2.0': ['1.9'] },
      }),
      'EC2.13': control({
        control: 'EC2.13',
        document: 'Hubfix-Bench-SecurityGroup',
        scope: 'resource',
        resourceType: 'AwsEc2SecurityGroup',
        aliases: { 'cis-1.2.0': ['4.1'] },
        parameters: { Port: 22 },
        extract: [{ parameter: 'GroupId', from: 'resourceId', pattern: SG_PATTERN }],
      }),
    },
    aliases: { 'cis-1.2.0': { '1.9': 'IAM.15', '4.1': 'EC2.13' }, 'cis-1.4.0': {}, 'cis-3.0.0': {}, fsbp: {} },
  };
}

function hex(i: number, width: number): string {
  return i.toString(16).padStart(width, '0');
}

/** A Security Hub control finding: consolidated, or CIS 1.2.0 standard-specific when `cis`. */
function finding(
  i: number,
  kind: 'sg' | 'account',
  o: { accounts?: number; cis?: boolean; status?: string; workflow?: string } = {},
): Record<string, unknown> {
  const account = String(222233330000 + (i % (o.accounts ?? 50)));
  const region = ['us-east-1', 'eu-west-1', 'us-west-2'][i % 3];
  const control = kind === 'sg' ? 'EC2.13' : 'IAM.15';
  const rule = kind === 'sg' ? '4.1' : '1.9';
  const uuid = `${hex(i, 8)}-2222-4333-8444-555555555555`;
  const resource =
    kind === 'sg'
      ? {
          Type: 'AwsEc2SecurityGroup',
          Id: `arn:aws:ec2:${region}:${account}:security-group/sg-${hex(i, 8)}`,
          Partition: 'aws',
          Region: region,
        }
      : { Type: 'AwsAccount', Id: `AWS::::Account:${account}`, Partition: 'aws', Region: region };
  const base = {
    SchemaVersion: '2018-10-08',
    ProductArn: `arn:aws:securityhub:${region}::product/aws/securityhub`,
    AwsAccountId: account,
    Region: region,
    CreatedAt: '2024-05-01T10:00:00.000Z',
    UpdatedAt: '2024-06-01T11:58:00.000Z',
    Severity: { Label: 'MEDIUM' },
    Types: ['Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark'],
    Title: control,
    Description: control,
    Resources: [resource],
    Workflow: { Status: o.workflow ?? 'NEW' },
    RecordState: 'ACTIVE',
  };
  if (o.cis)
    return {
      ...base,
      Id: `arn:aws:securityhub:${region}:${account}:subscription/cis-aws-foundations-benchmark/v/1.2.0/${rule}/finding/${uuid}`,
      GeneratorId: `arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/${rule}`,
      ProductFields: {
        RuleId: rule,
        StandardsControlArn: `arn:aws:securityhub:${region}:${account}:control/cis-aws-foundations-benchmark/v/1.2.0/${rule}`,
      },
      Compliance: { Status: o.status ?? 'FAILED' },
    };
  return {
    ...base,
    Id: `arn:aws:securityhub:${region}:${account}:security-control/${control}/finding/${uuid}`,
    GeneratorId: `security-control/${control}`,
    Compliance: { Status: o.status ?? 'FAILED', SecurityControlId: control },
  };
}

/** 10,000 findings of the kinds an Imported stream carries. */
function mixedFindings(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => {
    switch (i % 10) {
      case 0:
      case 1:
      case 2:
      case 3:
        return finding(i, 'sg');
      case 4:
        return finding(i, 'sg', { cis: true });
      case 5:
        return finding(i, 'account');
      case 6:
        return finding(i, 'account', { cis: true });
      case 7:
      case 8:
        return finding(i, 'sg', { status: 'PASSED' });
      default:
        return finding(i, 'sg', { workflow: 'NOTIFIED' });
    }
  });
}

async function decideThroughput(n = 10_000, rounds = 5): Promise<BenchResult> {
  const findings = mixedFindings(n);
  const ctx = {
    catalog: benchCatalog(),
    config: defaultConfig(),
    now: Date.parse('2024-06-01T12:01:00Z'),
    trigger: { kind: 'imported' as const },
  };
  decide(findings.slice(0, 100), ctx); // schema compile and JIT warm-up
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    const out = decide(findings, ctx);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (out.length !== n) throw new Error('decide lost findings');
    rates.push(n / s);
  }
  const rate = Math.round(median(rates));
  return {
    name: `decide() over ${n} findings (median of ${rounds})`,
    value: rate,
    unit: 'findings/s',
    target: '>= 20000 findings/s',
    ok: rate >= 20_000,
  };
}

/** A stub of AWS that counts calls: STS, SSM (ClientToken-idempotent) and Security Hub. */
function countingInvoker(): { invoker: Invoker; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  let executions = 0;
  const invoker: Invoker = {
    async call(c: AwsCall): Promise<AwsOutput> {
      counts.set(c.operation, (counts.get(c.operation) ?? 0) + 1);
      if (c.operation === 'AssumeRole')
        return {
          Credentials: {
            AccessKeyId: 'ASIA',
            SecretAccessKey: 's',
            SessionToken: 't',
            Expiration: new Date(Date.now() + 3_600_000).toISOString(),
          },
        };
      if (c.operation === 'StartAutomationExecution')
        return { AutomationExecutionId: `${hex(executions++, 8)}-0000-4000-8000-000000000000` };
      if (c.operation === 'BatchUpdateFindings') return { ProcessedFindings: c.input.FindingIdentifiers, UnprocessedFindings: [] };
      throw new Error(`unexpected ${c.service}.${c.operation}`);
    },
  };
  return { invoker, counts };
}

async function callsPerFinding(n = 100, accounts = 5): Promise<BenchResult[]> {
  const findings = Array.from({ length: n }, (_, i) => {
    const f = finding(i, 'sg', { accounts });
    // one Region, as an analyst selects findings in the console of one Region
    const account = f.AwsAccountId as string;
    return {
      ...f,
      Id: (f.Id as string).replace(/:(us-east-1|eu-west-1|us-west-2):/, ':us-east-1:'),
      Region: 'us-east-1',
      ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub',
      Resources: [
        { Type: 'AwsEc2SecurityGroup', Id: `arn:aws:ec2:us-east-1:${account}:security-group/sg-${hex(i, 8)}`, Region: 'us-east-1' },
      ],
    };
  });
  const event = {
    version: '0',
    id: 'bench-0000-4000-8000-000000000000',
    'detail-type': 'Security Hub Findings - Custom Action',
    source: 'aws.securityhub',
    account: '999988887777',
    time: '2024-06-01T12:00:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:securityhub:us-east-1:999988887777:action/custom/HubfixRemediate'],
    detail: { actionName: 'Remediate', actionDescription: 'hubfix', findings },
  };
  const { invoker, counts } = countingInvoker();
  const result = await handleEvent(event, {
    invoker,
    catalog: benchCatalog(),
    config: defaultConfig(),
    sleep: async () => {},
    log: () => {},
  });
  const started = result.counts.started;
  if (started !== n) throw new Error(`bench: ${started} of ${n} findings started`);
  const per = (op: string, d: number) => Math.round(((counts.get(op) ?? 0) / d) * 1000) / 1000;
  const start = per('StartAutomationExecution', started);
  const assume = per('AssumeRole', n);
  const update = per('BatchUpdateFindings', n);
  const label = `${n}-finding custom action, ${accounts} accounts`;
  return [
    { name: `StartAutomationExecution per started finding (${label})`, value: start, unit: 'calls', target: '= 1', ok: start === 1 },
    { name: `AssumeRole per finding (${label})`, value: assume, unit: 'calls', target: '<= 0.05', ok: assume <= 0.05 },
    { name: `BatchUpdateFindings per finding (${label})`, value: update, unit: 'calls', target: '<= 0.02', ok: update <= 0.02 },
  ];
}

function bundleSize(): BenchResult[] {
  const file = path.join(__dirname, '..', 'dist', 'lambda', 'orchestrator', 'index.js');
  if (!fs.existsSync(file)) return [];
  const kb = Math.round((fs.statSync(file).size / 1024) * 10) / 10;
  return [{ name: 'orchestrator bundle (dist/lambda/orchestrator/index.js)', value: kb, unit: 'KiB', target: '< 1024 KiB', ok: kb < 1024 }];
}

export async function benchOrchestrator(): Promise<BenchResult[]> {
  return [await decideThroughput(), ...(await callsPerFinding()), ...bundleSize()];
}

if (require.main === module) {
  benchOrchestrator().then(
    (results) => {
      for (const r of results) process.stdout.write(`${r.ok ? 'ok  ' : 'MISS'}  ${r.name}: ${r.value} ${r.unit}  (target ${r.target})\n`);
    },
    (err) => {
      process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
