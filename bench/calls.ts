import type { AwsCall, AwsOutput, Invoker } from '../src/aws/invoker';
import { shippedCatalog } from '../src/compiler';
import type { Catalog } from '../src/compiler/catalog';
import { customActionEvent, type Finding, importedEvent } from '../src/emulator/asff';
import { parseConfig } from '../src/findings/config';
import { CredentialsCache } from '../src/findings/credentials';
import { handleEvent, type OrchestratorDeps } from '../src/findings/orchestrate';
import { accountIds, averageBytes, everyControl } from './findings';
import type { BenchResult } from './types';

/**
 * AWS calls the orchestrator makes per started finding, by operation, counted with a stub of AWS
 * (STS, SSM with ClientToken idempotency, Security Hub), on the shipped catalog with every control
 * automatic:
 *   automatic   one "Findings - Imported" event per finding (as Security Hub sends them), every
 *               control × 5 accounts × 2 Regions;
 *   custom      one "Custom Action" event of 100 mixed findings (every control, 5 accounts, one Region);
 * each cold (a fresh container: no member-role session yet) and warm (a container that has served
 * every account already). Target (issue 13): ≤ 1.1 per started finding, warm.
 */

const ADMIN = '999988887777';
const TARGET = 1.1;

/** Counts every call; answers as AWS would for the calls the orchestrator makes. */
export function countingAws(findings: readonly Finding[]): { invoker: Invoker; counts: Map<string, number>; reset(): void } {
  const counts = new Map<string, number>();
  const byId = new Map(findings.map((f) => [f.Id, f]));
  const tokens = new Map<string, string>();
  let n = 0;
  const invoker: Invoker = {
    async call(c: AwsCall): Promise<AwsOutput> {
      const key = `${c.service}:${c.operation}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      switch (key) {
        case 'sts:AssumeRole':
          return {
            Credentials: {
              AccessKeyId: `ASIA${n++}`,
              SecretAccessKey: 's',
              SessionToken: 't',
              Expiration: new Date(Date.now() + 3_600_000).toISOString(),
            },
          };
        case 'ssm:StartAutomationExecution': {
          const token = String(c.input.ClientToken ?? n++);
          let id = tokens.get(token);
          if (!id) {
            id = `${(n++).toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
            tokens.set(token, id);
          }
          return { AutomationExecutionId: id };
        }
        case 'securityhub:BatchUpdateFindings':
          return { ProcessedFindings: c.input.FindingIdentifiers, UnprocessedFindings: [] };
        case 'securityhub:GetFindings': {
          const ids = ((c.input.Filters as { Id?: Array<{ Value: string }> } | undefined)?.Id ?? []).map((x) => x.Value);
          return { Findings: ids.map((id) => byId.get(id)).filter(Boolean) };
        }
        default:
          throw new Error(`the bench's AWS stub does not answer ${key}`);
      }
    },
  };
  return { invoker, counts, reset: () => counts.clear() };
}

function allAuto(catalog: Catalog) {
  const controls: Record<string, string> = {};
  for (const c of Object.values(catalog.controls)) controls[c.control] = 'auto';
  return parseConfig({ version: 1, mode: { default: 'auto', controls } }, 'bench');
}

interface Tally {
  started: number;
  decided: Record<string, number>;
  calls: Map<string, number>;
}

async function run(events: readonly unknown[], deps: OrchestratorDeps, counts: Map<string, number>): Promise<Tally> {
  const decided: Record<string, number> = {};
  let started = 0;
  for (const e of events) {
    const r = await handleEvent(e, deps);
    started += r.counts.started;
    for (const o of r.outcomes)
      decided[`${o.decision.decision} ${o.decision.reason}`] = (decided[`${o.decision.decision} ${o.decision.reason}`] ?? 0) + 1;
  }
  return { started, decided, calls: new Map(counts) };
}

function figures(label: string, t: Tally): BenchResult[] {
  const total = [...t.calls.values()].reduce((a, b) => a + b, 0);
  const per = Math.round((total / Math.max(1, t.started)) * 100) / 100;
  const warm = label.includes('warm');
  const breakdown = [...t.calls]
    .sort()
    .map(([op, k]) => `${op.split(':')[1]} ${(k / Math.max(1, t.started)).toFixed(2)}`)
    .join(', ');
  return [
    {
      name: `orchestrator calls per started finding, ${label} [${breakdown}; ${t.started} started]`,
      value: per,
      unit: 'calls',
      target: warm ? `<= ${TARGET}` : `<= ${TARGET} (target is for warm; cold shown beside it)`,
      ok: per <= TARGET,
    },
  ];
}

export async function benchCalls(): Promise<BenchResult[]> {
  const catalog = shippedCatalog();
  const config = allAuto(catalog);
  const accounts = accountIds(5);
  const regions = ['us-east-1', 'eu-west-1'];
  const stream = everyControl(catalog, accounts, regions);
  // other findings of the same accounts and Regions, to warm a container up with
  const warmUp = everyControl(catalog, accounts, regions, 100_000).filter((_, i) => i % 9 === 0);
  const at = '2026-11-29T10:00:10.000Z';
  const now = () => Date.parse('2026-11-29T10:01:00.000Z');
  const base = { catalog, config, now, sleep: async () => {}, log: () => {} };
  const results: BenchResult[] = [];

  // automatic, one finding per event
  const imported = stream.map((f) => importedEvent(f, ADMIN, at));
  {
    const aws = countingAws(stream);
    // cold: every event lands on a fresh container
    const decided: Record<string, number> = {};
    let started = 0;
    for (const e of imported) {
      const t = await run(
        [e],
        { ...base, invoker: aws.invoker, credentials: new CredentialsCache({ invoker: aws.invoker, now, sleep: async () => {} }) },
        aws.counts,
      );
      started += t.started;
      for (const [k, v] of Object.entries(t.decided)) decided[k] = (decided[k] ?? 0) + v;
    }
    results.push(
      ...figures(
        `automatic, 1 finding per event, ${Object.keys(catalog.controls).length} controls × 5 accounts × 2 Regions, cold (fresh container per event)`,
        { started, decided, calls: new Map(aws.counts) },
      ),
    );
  }
  {
    const aws = countingAws([...stream, ...warmUp]);
    const credentials = new CredentialsCache({ invoker: aws.invoker, now, sleep: async () => {} });
    // warm-up: the container has already served every account and Region (other findings)
    await run(
      warmUp.map((f) => importedEvent(f, ADMIN, at)),
      { ...base, invoker: aws.invoker, credentials },
      aws.counts,
    );
    aws.reset();
    const t = await run(imported, { ...base, invoker: aws.invoker, credentials }, aws.counts);
    results.push(...figures(`automatic, 1 finding per event, same stream, warm (member-role sessions cached)`, t));
  }

  // a custom action on 100 mixed findings (every control, 5 accounts, one Region)
  const picked = stream.filter((f) => f.Region === 'us-east-1').slice(0, 100);
  const action = customActionEvent(
    picked,
    `arn:aws:securityhub:us-east-1:${ADMIN}:action/custom/HubfixRemediate`,
    'Remediate',
    ADMIN,
    'us-east-1',
    at,
  );
  {
    const aws = countingAws([...picked, ...warmUp]);
    const t = await run(
      [action],
      { ...base, invoker: aws.invoker, credentials: new CredentialsCache({ invoker: aws.invoker, now, sleep: async () => {} }) },
      aws.counts,
    );
    results.push(...figures(`custom action, 100 mixed findings, cold`, t));
  }
  {
    const aws = countingAws([...picked, ...warmUp]);
    const credentials = new CredentialsCache({ invoker: aws.invoker, now, sleep: async () => {} });
    await run(
      warmUp.map((f) => importedEvent(f, ADMIN, at)),
      { ...base, invoker: aws.invoker, credentials },
      aws.counts,
    );
    aws.reset();
    const t = await run([action], { ...base, invoker: aws.invoker, credentials }, aws.counts);
    results.push(...figures(`custom action, 100 mixed findings, warm`, t));
  }
  results.push({
    name: 'average size of those findings (JSON, no Details)',
    value: averageBytes(stream),
    unit: 'bytes',
    target: 'about 2 KB',
    ok: averageBytes(stream) >= 1500 && averageBytes(stream) <= 3000,
  });
  return results;
}

if (require.main === module) {
  benchCalls().then(
    (rs) => {
      for (const x of rs) process.stdout.write(`${x.ok ? 'ok  ' : 'MISS'}  ${x.name}: ${x.value} ${x.unit}  (target ${x.target})\n`);
    },
    (err) => {
      process.stderr.write(`bench calls: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
