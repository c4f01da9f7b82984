import { expect } from 'chai';
import { type AwsCall, AwsServiceError } from '../../src/aws/invoker';
import { type Scenario, startScenario } from '../../src/emulator/pipeline';
import { MEMBER_ACCOUNTS, REGIONS } from '../../src/emulator/scenario';
import { emptyFaultCounts, type FaultProxy, startFaultProxy } from '../../src/emulator/fault-proxy';
import { FAULT_RATES } from '../../src/emulator/fault-scenario';
import { CredentialsCache } from '../../src/findings';
import { type SweepResult, sweep } from '../../src/findings/sweeper';
import { useEmulator } from './support';

/**
 * The sweep against the emulator: in one member account SSM cannot assume any runbook role, so
 * every run started there fails before its first step and no finalizer writes (the finding stays
 * at STARTED, as in production when a runbook role is missing or not trusted). The sweep, with real
 * SDK clients, finds those findings in Security Hub, their runs in the automation stand-in as the
 * member role, writes FAILED with SSM's failure message on them and notifies; the other account's
 * findings, which their finalizers recorded, are not touched.
 */

const BROKEN = MEMBER_ACCOUNTS[0];
const HOUR = 3_600_000;

type Finding = { Id: string; AwsAccountId: string; UserDefinedFields?: Record<string, string>; Note?: { Text?: string } };

const memberFindings = async (s: Scenario): Promise<Finding[]> => (await s.memberFindings()) as unknown as Finding[];

/** SSM's own AssumeRole of the automation's role (the session is the execution id) fails in the BROKEN account. */
function breakRunbookRoles(s: Scenario): void {
  const answer = s.invoker.call.bind(s.invoker);
  s.invoker.call = async (call: AwsCall) => {
    const session = String(call.input.RoleSessionName ?? '');
    if (
      call.service === 'sts' &&
      call.operation === 'AssumeRole' &&
      /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/.test(session) &&
      String(call.input.RoleArn).startsWith(`arn:aws:iam::${BROKEN}:role/hubfix-`)
    )
      throw new AwsServiceError(
        'AccessDenied',
        `User: arn:aws:sts::${BROKEN}:assumed-role/AWSServiceRoleForSSM is not authorized to perform: sts:AssumeRole`,
        'sts',
        'AssumeRole',
      );
    return answer(call);
  };
}

/** The sweep's dependencies two hours on (past the grace period: the configuration's inFlightMinutes, 60). */
function sweepDeps(s: Scenario, region: string) {
  const now = () => Date.now() + 2 * HOUR;
  return {
    invoker: s.invoker,
    catalog: s.catalog,
    config: s.config,
    credentials: new CredentialsCache({ invoker: s.invoker, now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }),
    now,
    region,
  };
}

describe('sweep end to end: runs that could not assume their role leave findings at STARTED; the sweep writes their outcome', () => {
  const emulator = useEmulator();
  let s: Scenario;
  let stuckBefore: Finding[];
  let untouched: Map<string, string | undefined>;
  let results: SweepResult[];
  let again: SweepResult[];
  let inboxBefore: number;

  before(async function () {
    this.timeout(15 * 60_000);
    s = await startScenario({ endpoint: emulator.current().endpoint });
    breakRunbookRoles(s);
    await s.runPass();
    const findings = await memberFindings(s);
    stuckBefore = findings.filter((f) => f.UserDefinedFields?.['hubfix:status'] === 'STARTED');
    untouched = new Map(findings.filter((f) => f.AwsAccountId !== BROKEN).map((f) => [f.Id, f.Note?.Text]));
    inboxBefore = s.inbox.received.length;
    results = [];
    for (const region of REGIONS) results.push(await sweep(sweepDeps(s, region)));
    again = [];
    for (const region of REGIONS) again.push(await sweep(sweepDeps(s, region)));
    const count = (rs: SweepResult[], k: 'written' | 'left' | 'failed') => rs.reduce((n, r) => n + r.counts[k], 0);
    process.stdout.write(
      `\n  sweep: ${stuckBefore.length} findings left at STARTED in ${BROKEN}; swept ${count(results, 'written')} written, ${count(results, 'left')} left, ${count(results, 'failed')} failed; second sweep listed ${again.reduce((n, r) => n + r.listed, 0)}\n`,
    );
  });

  after(async () => {
    await s?.close();
  });

  it('the broken account really left findings at STARTED, and only it', () => {
    expect(stuckBefore.length).to.be.greaterThan(0);
    expect(new Set(stuckBefore.map((f) => f.AwsAccountId))).to.deep.equal(new Set([BROKEN]));
  });

  it('writes FAILED with SSM’s failure message on every one of them: none is left at STARTED', async () => {
    const written = results.flatMap((r) => r.findings.filter((f) => f.action === 'written'));
    expect(written.map((f) => f.findingId).sort()).to.deep.equal(stuckBefore.map((f) => f.Id).sort());
    const after = new Map((await memberFindings(s)).map((f) => [f.Id, f]));
    for (const f of stuckBefore) {
      const now = after.get(f.Id);
      expect(now?.UserDefinedFields?.['hubfix:status'], f.Id).to.equal('FAILED');
      expect(now?.Note?.Text, f.Id).to.match(
        /^\S+ FAILED exec \S+: swept: the run ended Failed before its finalizer recorded an outcome; The automation could not assume its role/,
      );
      expect(now?.Note?.Text, 'the STARTED entry stays in the trail').to.include('STARTED exec pending');
      expect(now?.UserDefinedFields?.['hubfix:attempts'], 'the attempt count is carried').to.equal(
        f.UserDefinedFields?.['hubfix:attempts'],
      );
    }
  });

  it('notifies each at FAILED in the notification format, saying it was swept', () => {
    const messages = s.inbox.received.slice(inboxBefore).map((n) => JSON.parse(n.Message) as Record<string, unknown>);
    const swept = messages.filter((m) => /swept by hubfix/.test(String(m.reason)));
    expect(swept.map((m) => (m.finding as { id: string }).id).sort()).to.deep.equal(stuckBefore.map((f) => f.Id).sort());
    for (const m of swept) expect(m).to.include({ status: 'FAILED', verified: false, source: 'hubfix' });
  });

  it('leaves the findings their finalizers recorded as they were', async () => {
    const after = await memberFindings(s);
    for (const f of after) if (untouched.has(f.Id)) expect(f.Note?.Text, f.Id).to.equal(untouched.get(f.Id));
  });

  it('a second sweep finds nothing to write', () => {
    expect(again.reduce((n, r) => n + r.listed, 0)).to.equal(0);
  });
});

describe('sweep end to end under faults: 20 % throttling, 5 % HTTP 500 and hung requests on every call the sweep makes', () => {
  const emulator = useEmulator();
  let s: Scenario;
  let proxy: FaultProxy;
  let stuckBefore: Finding[];
  let sweeps = 0;
  let failedTries = 0;
  const standIn = emptyFaultCounts();

  before(async function () {
    this.timeout(15 * 60_000);
    s = await startScenario({ endpoint: emulator.current().endpoint });
    breakRunbookRoles(s);
    await s.runPass();
    stuckBefore = (await memberFindings(s)).filter((f) => f.UserDefinedFields?.['hubfix:status'] === 'STARTED');
    proxy = await startFaultProxy({ target: emulator.current().endpoint, rates: FAULT_RATES, hangMs: 10_000, maxHung: 4 });
    s.invoker.routeThrough(proxy.endpoint, { requestTimeoutMs: 8_000 });
    s.invoker.faults = { rates: FAULT_RATES, attempts: 3, counts: standIn };
    // the schedule: sweep after sweep until one lists nothing (at most 10)
    for (let round = 0; round < 10; round++) {
      let listed = 0;
      for (const region of REGIONS) {
        sweeps++;
        const r = await sweep(sweepDeps(s, region));
        listed += r.listingError ? 1 : r.listed;
        failedTries += r.counts.failed + (r.listingError ? 1 : 0);
      }
      if (listed === 0) break;
    }
    proxy.enabled = false;
    s.invoker.faults = undefined;
    process.stdout.write(
      `\n  sweep under faults: ${stuckBefore.length} findings at STARTED, ${sweeps} sweeps (2 Regions each round), ${failedTries} finding tries or listings failed and were left to the next sweep; injected ${proxy.counts.throttled + standIn.throttled} throttled, ${proxy.counts.serverErrors + standIn.serverErrors} HTTP 500, ${proxy.counts.hung} hung\n`,
    );
  });

  after(async () => {
    await proxy?.close();
    await s?.close();
  });

  it('the faults really happened', () => {
    expect(stuckBefore.length).to.be.greaterThan(0);
    expect(proxy.counts.throttled + standIn.throttled).to.be.greaterThan(0);
    expect(proxy.counts.serverErrors + standIn.serverErrors).to.be.greaterThan(0);
  });

  it('within a few sweeps every stuck finding has its FAILED outcome, written over what was read (trail and attempt count kept)', async () => {
    const after = new Map((await memberFindings(s)).map((f) => [f.Id, f]));
    const notFailed = stuckBefore.filter((f) => after.get(f.Id)?.UserDefinedFields?.['hubfix:status'] !== 'FAILED').map((f) => f.Id);
    expect(notFailed).to.deep.equal([]);
    for (const f of stuckBefore) {
      const now = after.get(f.Id);
      expect(now?.Note?.Text, f.Id).to.match(/^\S+ FAILED exec \S+: swept: /);
      expect(now?.Note?.Text, f.Id).to.include('STARTED exec pending');
      expect(now?.UserDefinedFields?.['hubfix:attempts'], f.Id).to.equal(f.UserDefinedFields?.['hubfix:attempts']);
      expect((now?.Note?.Text?.match(/swept: /g) ?? []).length, `${f.Id} swept once`).to.equal(1);
    }
  });
});
