import { expect } from 'chai';
import { type AwsCall, AwsServiceError } from '../../src/aws/invoker';
import { type Scenario, startScenario } from '../../src/emulator/pipeline';
import { MEMBER_ACCOUNTS, REGIONS } from '../../src/emulator/scenario';
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

async function memberFindings(s: Scenario): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const region of REGIONS) {
    let token: string | undefined;
    do {
      const r = await s.invoker.call({
        service: 'securityhub',
        operation: 'GetFindings',
        region,
        input: {
          Filters: { AwsAccountId: MEMBER_ACCOUNTS.map((a) => ({ Value: a, Comparison: 'EQUALS' })) },
          MaxResults: 100,
          ...(token ? { NextToken: token } : {}),
        },
      });
      out.push(...((r.Findings as Finding[]) ?? []));
      token = r.NextToken as string | undefined;
    } while (token);
  }
  return out;
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
    // SSM's own AssumeRole of the automation's role (the session is the execution id) fails in one account
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
    await s.runPass();
    const findings = await memberFindings(s);
    stuckBefore = findings.filter((f) => f.UserDefinedFields?.['hubfix:status'] === 'STARTED');
    untouched = new Map(findings.filter((f) => f.AwsAccountId !== BROKEN).map((f) => [f.Id, f.Note?.Text]));
    inboxBefore = s.inbox.received.length;
    // two hours on: past the grace period (the configuration's inFlightMinutes, 60)
    const deps = (region: string) => {
      const now = () => Date.now() + 2 * HOUR;
      return {
        invoker: s.invoker,
        catalog: s.catalog,
        config: s.config,
        credentials: new CredentialsCache({ invoker: s.invoker, now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }),
        now,
        region,
      };
    };
    results = [];
    for (const region of REGIONS) results.push(await sweep(deps(region)));
    again = [];
    for (const region of REGIONS) again.push(await sweep(deps(region)));
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
