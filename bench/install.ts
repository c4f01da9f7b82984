import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RUNBOOKS } from '../runbooks';
import { SdkInvoker } from '../src/aws/sdk-invoker';
import { buildTemplates, writeTemplates } from '../src/cfn';
import { runBuild } from '../src/cli/build';
import { writeArtifacts } from '../src/compiler/build';
import { buildCatalog } from '../src/compiler/catalog';
import { compileRunbook } from '../src/compiler/compile';
import { startEmulator } from '../src/emulator';
import { createCodeBuckets, deployIntoEmulator, packageIntoEmulator } from '../src/emulator/cloudformation';
import { EmulatorInvoker } from '../src/emulator/invoker';
import { DRY_RUN_ACTION_ID, REMEDIATE_ACTION_ID } from '../src/finalizer/actions';
import { principalPolicies } from '../src/iam/principals';
import { codeHashesOf, doctor } from '../src/install/doctor';
import { validateCompiled } from '../src/validator';
import type { BenchResult } from './types';
import { median } from './stats';

/**
 * Installing (issue 12). `hubfix build` with the templates, its compile part (esbuild's bundling
 * excluded: the zips' hashes are given), for the shipped runbooks; and `hubfix doctor` on an
 * installation of 10 member accounts × 2 Regions that `hubfix deploy` made through the emulator's
 * CloudFormation (the setup is not timed; the doctor run is, with the emulator's latency).
 */

const ACCOUNTS = Array.from({ length: 10 }, (_, i) => String(300000000000 + i * 1111));
const REGIONS = ['us-east-1', 'eu-west-1'];

export function benchBuildWithTemplates(rounds = 5): BenchResult[] {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-bench-build-'));
  const bundles = [
    { name: 'orchestrator', sha256: 'a'.repeat(64) },
    { name: 'step-runner', sha256: 'b'.repeat(64) },
  ];
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    const compiled = RUNBOOKS.map(compileRunbook);
    for (const c of compiled) validateCompiled(c.name, c.document);
    const catalog = buildCatalog(compiled);
    writeArtifacts(out, compiled, catalog);
    writeTemplates(out, buildTemplates(compiled, bundles));
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  fs.rmSync(out, { recursive: true, force: true });
  const cold = times[0];
  const warm = median(times.slice(1));
  return [
    {
      name: `build with templates, ${RUNBOOKS.length} shipped runbooks, compile time excl. esbuild, cold (first round)`,
      value: Math.round(cold),
      unit: 'ms',
      target: '< 1000 ms',
      ok: cold < 1000,
    },
    {
      name: `the same, warm (median of ${rounds - 1})`,
      value: Math.round(warm),
      unit: 'ms',
      target: '< 1000 ms',
      ok: warm < 1000,
    },
  ];
}

export async function benchDoctor(): Promise<BenchResult[]> {
  const emulator = await startEmulator({ progress: (l) => process.stderr.write(`  emulator: ${l}\n`) });
  try {
    const sdk = new SdkInvoker({ endpoint: emulator.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-bench-doctor-'));
    const stdout = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await runBuild({ out: dist });
    } finally {
      process.stdout.write = stdout;
    }
    process.stderr.write(
      `  doctor: deploying to ${ACCOUNTS.length} accounts × ${REGIONS.length} Regions through CloudFormation (not timed)\n`,
    );
    await createCodeBuckets(sdk, REGIONS);
    const packaged = await packageIntoEmulator(sdk, dist, REGIONS);
    const deployed = await deployIntoEmulator(sdk, packaged, {
      adminRegion: REGIONS[0],
      regions: REGIONS,
      accounts: ACCOUNTS,
      out: (l) => process.stderr.write(`  deploy: ${l}\n`),
    });
    if (deployed.problems.length) throw new Error(`deploy: ${deployed.problems.join('; ')}`);
    const runbooks = RUNBOOKS.map(compileRunbook);
    process.stderr.write('  doctor: setting up\n');
    const invoker = new EmulatorInvoker({ endpoint: emulator.endpoint, adminAccount: '123456789012', handlers: new Map() });
    for (const region of REGIONS) {
      await invoker.call({ service: 'securityhub', operation: 'EnableSecurityHub', region, input: {} });
      for (const id of [REMEDIATE_ACTION_ID, DRY_RUN_ACTION_ID])
        await invoker.call({
          service: 'securityhub',
          operation: 'CreateActionTarget',
          region,
          input: { Id: id, Name: id, Description: 'hubfix' },
        });
    }
    for (const account of ACCOUNTS) {
      const c = (
        await sdk.call({
          service: 'sts',
          operation: 'AssumeRole',
          region: REGIONS[0],
          input: { RoleArn: `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`, RoleSessionName: 'bench' },
        })
      ).Credentials as Record<string, string>;
      const credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
      for (const region of REGIONS)
        await sdk.call({ service: 'securityhub', operation: 'EnableSecurityHub', region, credentials, input: {} });
    }
    const perOp = new Map<string, { n: number; ms: number }>();
    const timed = {
      call: async (c: Parameters<typeof invoker.call>[0]) => {
        const t = Date.now();
        try {
          return await invoker.call(c);
        } finally {
          const k = `${c.service}.${c.operation}`;
          const e = perOp.get(k) ?? { n: 0, ms: 0 };
          e.n += 1;
          e.ms += Date.now() - t;
          perOp.set(k, e);
        }
      },
    };
    const options = {
      invoker: process.env.HUBFIX_BENCH_PROFILE ? timed : invoker,
      adminRegion: REGIONS[0],
      regions: REGIONS,
      accounts: ACCOUNTS,
      memberRoleName: 'hubfix-member',
      expected: {
        runbooks,
        stepRunnerPolicy: principalPolicies(runbooks.map((r) => r.name))['step-runner'],
        codeSha256: codeHashesOf(dist),
      },
    };
    process.stderr.write('  doctor: running\n');
    const t0 = Date.now();
    const rows = await doctor(options);
    const seconds = (Date.now() - t0) / 1000;
    if (process.env.HUBFIX_BENCH_PROFILE)
      for (const [k, v] of perOp) process.stderr.write(`  ${k}: ${v.n} calls, ${Math.round(v.ms / v.n)} ms each\n`);
    const red = rows.filter((r) => !r.ok);
    if (red.length)
      throw new Error(
        `doctor is not green on the bench installation: ${red
          .map((r) => `${r.account} ${r.region} ${r.check}: ${r.detail}`)
          .slice(0, 3)
          .join('; ')}`,
      );
    return [
      {
        name: `doctor on ${ACCOUNTS.length} accounts × ${REGIONS.length} Regions installed by CloudFormation in the emulator (${rows.length} checks, all green)`,
        value: Math.round(seconds * 10) / 10,
        unit: 's',
        target: '< 10 s',
        ok: seconds < 10,
      },
    ];
  } finally {
    await emulator.stop();
  }
}

if (require.main === module) {
  (async () => {
    console.table(benchBuildWithTemplates());
    console.table(await benchDoctor());
  })();
}
