import { expect } from 'chai';
import { type AwsCall, AwsServiceError } from '../../src/aws/invoker';
import { progressBar, remediateBacklog } from '../../src/cli/backlog';
import { shippedCatalog } from '../../src/compiler';
import { buildFinding } from '../../src/emulator/asff';
import { decideBacklog, runBacklog } from '../../src/findings/backlog';
import { parseConfig } from '../../src/findings/config';
import { CredentialsCache } from '../../src/findings/credentials';
import { fakeAws } from '../orchestrator/fake-aws';

const catalog = shippedCatalog();
const kms = Object.values(catalog.controls).find((c) => c.document === 'Hubfix-KMS-KeyRotation');
const NOW = Date.parse('2026-11-30T01:00:00Z');

function kmsFinding(i: number, account = '111111111111', region = 'us-east-1', extra: Record<string, unknown> = {}) {
  const keyId = `0000000${i}`.slice(-8) + '-1111-4111-8111-000000000000';
  return {
    ...buildFinding({
      format: 'consolidated',
      account,
      region,
      control: kms?.control as string,
      title: 't',
      resource: {
        Type: 'AwsKmsKey',
        Id: `arn:aws:kms:${region}:${account}:key/${keyId}`,
        Region: region,
        Details: { AwsKmsKey: { KeyId: keyId, KeyState: 'Enabled', Origin: 'AWS_KMS', KeyManager: 'CUSTOMER' } },
      },
      at: '2026-10-01T00:00:00Z',
    }),
    ...extra,
  };
}

const auto = parseConfig({ version: 1, mode: { default: 'auto' } });
const dryRun = parseConfig({ version: 1, mode: { default: 'dry-run' } });

describe('backlog: the decision (the orchestrator’s, with the backlog trigger)', () => {
  it('starts NEW findings by their mode, and NOTIFIED ones hubfix only previewed once the control is auto', () => {
    const previewed = kmsFinding(2, undefined, undefined, {
      Workflow: { Status: 'NOTIFIED' },
      UserDefinedFields: { 'hubfix:status': 'DRY_RUN' },
    });
    const d = decideBacklog([kmsFinding(1), previewed], { catalog, config: auto, now: NOW });
    expect(d.map((x) => `${x.decision} ${x.reason}`)).to.deep.equal(['start MODE_AUTO', 'start MODE_AUTO']);
    expect(d[1].target?.dryRun).to.equal(false);
  });

  it('leaves what hubfix already did or a person has: NOTIFIED, RESOLVED, SUPPRESSED, and a preview while still dry-run', () => {
    const f = (i: number, workflow: string, status?: string) =>
      kmsFinding(i, undefined, undefined, {
        Workflow: { Status: workflow },
        ...(status ? { UserDefinedFields: { 'hubfix:status': status } } : {}),
      });
    const d = decideBacklog([f(1, 'NOTIFIED', 'STARTED'), f(2, 'RESOLVED', 'SUCCEEDED'), f(3, 'SUPPRESSED'), f(4, 'NOTIFIED')], {
      catalog,
      config: auto,
      now: NOW,
    });
    expect(d.map((x) => `${x.decision} ${x.reason}`)).to.deep.equal(['skip NOT_NEW', 'skip NOT_NEW', 'skip SUPPRESSED', 'skip NOT_NEW']);
    const again = decideBacklog([f(5, 'NOTIFIED', 'DRY_RUN')], { catalog, config: dryRun, now: NOW });
    expect(again[0].reason).to.equal('NOT_NEW');
    expect(again[0].detail).to.match(/already previewed/);
  });
});

/** The fake AWS, plus SSM executions that run for `polls` polls each and SSM's own limit check. */
function fakeSsm(polls: number, limitExceededOnce = 0) {
  const fake = fakeAws();
  const polled = new Map<string, number>();
  const ended = new Set<string>();
  let running = 0;
  let peak = 0;
  let refusals = limitExceededOnce;
  const fallback = fake.invoker.call;
  const invoker = {
    call: async (call: AwsCall) => {
      if (call.service === 'ssm' && call.operation === 'StartAutomationExecution') {
        if (refusals > 0) {
          refusals--;
          throw new AwsServiceError('AutomationExecutionLimitExceededException', 'too many', 'ssm', 'StartAutomationExecution');
        }
        const before = fake.executions.size;
        const out = await fallback(call);
        if (fake.executions.size > before) {
          running++;
          peak = Math.max(peak, running);
        }
        return out;
      }
      if (call.service === 'ssm' && call.operation === 'GetAutomationExecution') {
        const id = String(call.input.AutomationExecutionId);
        const n = (polled.get(id) ?? 0) + 1;
        polled.set(id, n);
        if (n >= polls && !ended.has(id)) {
          ended.add(id);
          running--;
        }
        return { AutomationExecution: { AutomationExecutionId: id, AutomationExecutionStatus: ended.has(id) ? 'Success' : 'InProgress' } };
      }
      return fallback(call);
    },
  };
  return { fake, invoker, peak: () => peak };
}

describe('backlog: starting within SSM’s concurrency limit', () => {
  it('starts each fixable finding once, never more than the limit at a time per account and Region, queueing the rest', async () => {
    const ssm = fakeSsm(2);
    const findings = [
      ...Array.from({ length: 23 }, (_, i) => kmsFinding(i)),
      ...Array.from({ length: 4 }, (_, i) => kmsFinding(100 + i, '222222222222')),
      kmsFinding(200, undefined, undefined, { Workflow: { Status: 'RESOLVED' } }),
    ];
    const seen: number[] = [];
    const r = await runBacklog(findings, {
      invoker: ssm.invoker,
      catalog,
      config: auto,
      credentials: new CredentialsCache({ invoker: ssm.invoker, now: () => NOW, sleep: async () => {} }),
      now: () => NOW,
      sleep: async () => {},
      maxConcurrent: 5,
      pollMs: 0,
      progress: (p) => seen.push(p.started),
    });
    expect(ssm.fake.started).to.have.length(27);
    expect(new Set(ssm.fake.started.map((s) => String(s.call.input.ClientToken))).size, 'each finding once').to.equal(27);
    expect(ssm.peak(), 'never more than 5 running (per account and Region, 2 pairs here)').to.be.at.most(10);
    expect(r.progress.peakRunning).to.equal(5);
    expect(r.progress).to.include({ total: 28, started: 27, queued: 0, startFailed: 0, skipped: 1 });
    expect(seen[seen.length - 1]).to.equal(27);
    expect(
      seen.some((n) => n > 0 && n < 27),
      'progress reported along the way',
    ).to.equal(true);
  });

  it('a start SSM refuses for its limit goes back to the queue and starts later: never dropped', async () => {
    const ssm = fakeSsm(1, 2);
    const r = await runBacklog(
      Array.from({ length: 6 }, (_, i) => kmsFinding(i)),
      {
        invoker: ssm.invoker,
        catalog,
        config: auto,
        credentials: new CredentialsCache({ invoker: ssm.invoker, now: () => NOW, sleep: async () => {} }),
        now: () => NOW,
        sleep: async () => {},
        pollMs: 0,
      },
    );
    expect(r.progress.started).to.equal(6);
    expect(r.outcomes.every((o) => o.outcome === 'started')).to.equal(true);
  });

  it('remediate --filters without --yes lists and starts nothing; the progress bar reads at a glance', async () => {
    const ssm = fakeSsm(1);
    ssm.fake.findings.push(kmsFinding(1), kmsFinding(2));
    let out = '';
    let err = '';
    const r = await remediateBacklog(
      { region: 'us-east-1', control: [kms?.control as string] },
      { invoker: ssm.invoker, env: {}, io: { out: (t) => (out += t), err: (t) => (err += t) } },
    );
    expect(r.exitCode).to.equal(0);
    expect(ssm.fake.started).to.have.length(0);
    expect(out).to.contain('2 finding(s): 2 start, 0 notify, 0 skip');
    expect(err).to.equal('hubfix: nothing started (no --yes); 2 run(s) would start: pass --yes to start them\n');
    expect(
      progressBar({ total: 10, queued: 5, started: 5, running: 3, ended: 2, startFailed: 0, notified: 0, skipped: 0, peakRunning: 5 }, 10),
    ).to.equal('[█████░░░░░] 5/10 started · 3 running · 5 queued · 0 failed');
  });
});
