import { expect } from 'chai';
import { decideFromSecurityHub, remediateBacklog } from '../../src/cli/backlog';
import { runRemediate } from '../../src/cli/remediate';
import { runReport } from '../../src/cli/report';
import { type Backlog, seedBacklog } from '../../src/emulator/backlog-seeder';
import { peakConcurrency, SelfRunningAutomations } from '../../src/emulator/backlog-standin';
import { asffToOcsf, importedV2Event } from '../../src/emulator/securityhub-ocsf-standin';
import { handleEvent } from '../../src/findings/orchestrate';
import { type PassResult, type Scenario, startScenario } from '../../src/emulator/pipeline';
import { ADMIN_ACCOUNT, MEMBER_ACCOUNTS, REGIONS, SETUP_ROLE } from '../../src/emulator/scenario';
import { REPORT_FORMATS } from '../../src/report/render';
import { expectSelfContainedHtml, parseCsv } from '../report/checks';
import { useEmulator } from './support';

/**
 * The operator's view against the emulator (moto; GetFindings filters applied by the Security Hub
 * stand-in, automations run by the SSM stand-in): `hubfix report` after the demo's remediation.
 */

const TIMEOUT_MS = 6 * 60_000;

describe('end to end: hubfix report after the demo’s remediation', function () {
  this.timeout(TIMEOUT_MS);
  const emulator = useEmulator();
  let s: Scenario;
  let first: PassResult;
  const texts = new Map<string, string>();

  before(async function () {
    this.timeout(TIMEOUT_MS);
    s = await startScenario({ endpoint: emulator.current().endpoint });
    first = await s.runPass();
    for (const output of REPORT_FORMATS) {
      const { text } = await runReport(
        { region: REGIONS[0], readRegion: [...REGIONS], account: [...MEMBER_ACCOUNTS], output },
        { invoker: s.invoker, env: {} },
      );
      texts.set(output, text);
    }
  });

  after(async () => {
    await s?.close();
  });

  it('JSON: a row for every finding the pipeline handled, each with the outcome the pipeline reached', () => {
    const r = JSON.parse(texts.get('json') as string) as {
      findings: Array<{ findingId: string; outcome: string; lastStatus: string; note: string; control: string; account: string }>;
      matrix: Array<{ control: string; account: string; counts: Record<string, number> }>;
      totals: Record<string, number>;
    };
    const handled = first.reports;
    expect(r.findings.map((f) => f.findingId).sort()).to.deep.equal(handled.map((h) => h.findingId).sort());
    const byId = new Map(r.findings.map((f) => [f.findingId, f]));
    for (const h of handled) {
      const row = byId.get(h.findingId);
      const want =
        h.verified && h.workflow === 'RESOLVED'
          ? 'fixed'
          : h.status === 'DRY_RUN'
            ? 'previewed'
            : h.decision === 'notify'
              ? 'waiting'
              : 'failed';
      expect(row?.outcome, `${h.control} ${h.account} ${h.region} ${h.resource}: ${h.status} ${h.workflow}`).to.equal(want);
      expect(row?.control).to.equal(h.control);
      if (h.note) expect(row?.note).to.equal(h.note.split(' || ')[0]);
    }
    const cells = r.matrix.reduce((n, c) => n + Object.values(c.counts).reduce((a, b) => a + b, 0), 0);
    expect(cells, 'the matrix counts every finding once').to.equal(handled.length);
    expect(Object.values(r.totals).reduce((a, b) => a + b, 0)).to.equal(handled.length);
    expect(new Set(r.matrix.map((c) => c.account))).to.deep.equal(new Set(MEMBER_ACCOUNTS));
    expect(r.totals.fixed, 'the demo fixes and verifies findings').to.be.greaterThan(0);
  });

  it('CSV: the same matrix and the same rows as the JSON', () => {
    const json = JSON.parse(texts.get('json') as string) as {
      findings: Array<Record<string, string>>;
      matrix: Array<{ control: string; account: string; counts: Record<string, number> }>;
    };
    const rows = parseCsv(texts.get('csv') as string);
    const blank = rows.findIndex((x) => x.length === 1 && x[0] === '');
    const matrix = rows.slice(1, blank);
    expect(matrix.map((m) => `${m[0]}|${m[1]}|${m.slice(2).join(',')}`)).to.deep.equal(
      json.matrix.map((c) => `${c.control}|${c.account}|${Object.values(c.counts).join(',')}`),
    );
    const header = rows[blank + 1];
    const data = rows.slice(blank + 2);
    expect(data).to.have.length(json.findings.length);
    const col = (name: string) => header.indexOf(name);
    for (const [i, f] of json.findings.entries()) {
      expect(data[i][col('finding_id')]).to.equal(f.findingId);
      expect(data[i][col('outcome')]).to.equal(f.outcome);
      expect(data[i][col('control')]).to.equal(f.control);
      expect(data[i][col('account')]).to.equal(f.account);
      expect(data[i][col('what_changed')]).to.equal(f.note);
    }
  });

  it('HTML: one valid, self-contained page (nothing fetched) with the grid and a console link per finding', () => {
    const html = texts.get('html') as string;
    expectSelfContainedHtml(html);
    const n = first.reports.length;
    expect((html.match(/<a href="https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\/securityhub\//g) ?? []).length).to.equal(n);
    expect(html).to.include('<table class="grid">');
    for (const a of MEMBER_ACCOUNTS) expect(html).to.include(`<th>${a}</th>`);
  });

  it('table and Markdown show the matrix and every finding', () => {
    const n = first.reports.length;
    expect(texts.get('table')).to.include(`${n} finding(s) in 2 account(s)`);
    expect((texts.get('markdown')?.match(/^\| \[[A-Za-z0-9.]+\]\(https:/gm) ?? []).length).to.equal(n);
  });
});

describe('end to end: the backlog — decide --from-security-hub and remediate --filters --yes over 200 findings', function () {
  this.timeout(TIMEOUT_MS * 2);
  const emulator = useEmulator();
  let s: Scenario;
  let backlog: Backlog;
  const account = MEMBER_ACCOUNTS[0];
  const region = REGIONS[0];
  const filters = { region, account: [account], control: ['KMS.4'], findingRegion: [region] };

  before(async function () {
    this.timeout(TIMEOUT_MS);
    s = await startScenario({ endpoint: emulator.current().endpoint });
    await s.runPass();
    backlog = await seedBacklog(s.world, s.catalog, s.invoker, { account, region, count: 200 });
  });

  after(async () => {
    await s?.close();
  });

  it('decide --from-security-hub: every backlog finding would start (same reason codes), nothing starts', async () => {
    const before = s.invoker.automations.started.length;
    const { decisions, output } = await decideFromSecurityHub(filters, { invoker: s.invoker, env: {}, config: s.config });
    const ids = new Set(backlog.findings.map((f) => String(f.Id)));
    const mine = decisions.filter((d) => ids.has(d.findingId));
    expect(mine).to.have.length(200);
    expect(new Set(mine.map((d) => `${d.decision} ${d.reason}`))).to.deep.equal(new Set(['start MODE_AUTO']));
    // the scenario's own KMS.4 finding there was fixed by the demo: RESOLVED, left alone
    expect(decisions.filter((d) => !ids.has(d.findingId)).map((d) => d.reason)).to.deep.equal(['NOT_NEW']);
    expect(output).to.contain('201 finding(s): 200 start, 0 notify, 1 skip');
    expect(s.invoker.automations.started.length).to.equal(before);
  });

  it('remediate --filters --yes starts each once, never more than 100 at a time, with progress shown; a second run starts nothing', async () => {
    const invoker = new SelfRunningAutomations(s.invoker);
    const before = s.invoker.automations.started.length;
    let out = '';
    let err = '';
    const io = { out: (t: string) => (out += t), err: (t: string) => (err += t) };
    const r = await remediateBacklog({ ...filters, yes: true }, { invoker, env: {}, config: s.config, io, pollMs: 100 });
    expect(r.exitCode, err).to.equal(0);
    expect(r.progress).to.include({ started: 200, startFailed: 0, queued: 0, peakRunning: 100 });
    await s.invoker.automations.drain();
    const runs = s.invoker.automations.started.slice(before);
    expect(runs).to.have.length(200);
    expect(new Set(runs.map((a) => a.parameters.FindingId[0])).size, 'each finding once').to.equal(200);
    expect(peakConcurrency(runs), 'SSM limit: 100 concurrent automations per account and Region').to.be.at.most(100);
    expect(
      runs.every((a) => a.result?.status === 'Success'),
      runs.map((a) => a.error ?? a.result?.status).join(','),
    ).to.equal(true);
    expect(err).to.match(/\] 200\/200 started/);
    expect(err.split('\n').filter((l) => l.includes('started ·')).length, 'progress along the way').to.be.greaterThan(2);
    expect(out).to.contain('200 started, 0 could not start');
    const key = await s.world.awsIn(account, region)<{ KeyRotationEnabled?: boolean }>('kms', 'GetKeyRotationStatus', {
      KeyId: backlog.keyIds[0],
    });
    expect(key.KeyRotationEnabled).to.equal(true);

    const again = await remediateBacklog({ ...filters, yes: true }, { invoker, env: {}, config: s.config, io, pollMs: 100 });
    expect(again.progress?.started, 'a second run starts nothing').to.equal(0);
    expect(s.invoker.automations.started.length - before).to.equal(200);
  });
});

describe('end to end: an OCSF "Findings Imported V2" event for a seed control is decided, started and written back', function () {
  this.timeout(TIMEOUT_MS);
  const emulator = useEmulator();
  let s: Scenario;

  before(async function () {
    this.timeout(TIMEOUT_MS);
    s = await startScenario({ endpoint: emulator.current().endpoint });
  });

  after(async () => {
    await s?.close();
  });

  it('IAM.15 in a member account: the runbook runs there, and both the orchestrator and the finalizer write through BatchUpdateFindingsV2', async () => {
    const account = MEMBER_ACCOUNTS[0];
    const seeded = s.world.findings.find((f) => f.control === 'IAM.15' && f.finding.AwsAccountId === account);
    expect(seeded, 'the scenario seeds a weak password policy').to.not.equal(undefined);
    if (!seeded) return;
    const aws = s.world.awsIn(account, String(seeded.finding.Region));
    expect(await seeded.seeded.problems(aws)).to.not.be.empty;
    // a finding the current Security Hub holds in OCSF only (the stand-in: moto has no OCSF APIs),
    // about the same weak password policy
    const ocsf = asffToOcsf(seeded.finding as Record<string, unknown>);
    const info = ocsf.finding_info as { uid: string };
    info.uid = info.uid.replace(/\/finding\/[A-Za-z0-9-]+$/, '/finding/5e1f2c3d-0000-4000-8000-0000000000f2');
    s.invoker.securityHubOcsf.put(ocsf);
    const event = importedV2Event(ocsf, ADMIN_ACCOUNT, new Date().toISOString());
    const startsBefore = s.invoker.automations.started.length;
    const asffUpdatesBefore = s.invoker.securityHub.updates.length;

    const r = await handleEvent(event, { invoker: s.invoker, catalog: s.catalog, config: s.config, log: () => {} });
    expect(r.rejected, JSON.stringify(r.rejected)).to.equal(undefined);
    expect(r.outcomes.map((o) => `${o.decision.decision} ${o.decision.reason} ${o.outcome}`)).to.deep.equal(['start MODE_AUTO started']);
    await s.invoker.automations.drain();

    const runs = s.invoker.automations.started.slice(startsBefore);
    expect(runs).to.have.length(1);
    expect(runs[0]).to.include({ document: 'Hubfix-IAM-PasswordPolicy', account });
    expect(runs[0].result?.status, runs[0].error).to.equal('Success');
    expect(await seeded.seeded.problems(aws), 'the password policy is fixed').to.deep.equal([]);

    const updates = s.invoker.securityHubOcsf.updates;
    expect(updates.map((u) => String(u.request.Comment).slice(0, 18))).to.deep.equal(['[hubfix s=STARTED ', '[hubfix s=SUCCEEDE']);
    expect(updates.map((u) => u.request.StatusId)).to.deep.equal([2, 4]);
    expect(updates[0].callerAccount, 'the orchestrator, from the administrator account').to.equal(ADMIN_ACCOUNT);
    expect(updates[1].callerAccount, 'the finalizer, as the runbook role in the member').to.equal(account);
    expect(String(updates[1].request.Comment).length).to.be.at.most(512);
    expect(s.invoker.securityHub.updates.length, 'nothing written through the ASFF API').to.equal(asffUpdatesBefore);

    // Security Hub's follow-up event carries the updated OCSF finding: nothing starts again
    const after = s.invoker.securityHubOcsf.findings.get(info.uid) as Record<string, unknown>;
    expect(after.status).to.equal('Resolved');
    const again = await handleEvent(importedV2Event(after, ADMIN_ACCOUNT, new Date().toISOString()), {
      invoker: s.invoker,
      catalog: s.catalog,
      config: s.config,
      log: () => {},
    });
    expect(again.outcomes[0].decision.decision).to.equal('skip');
    expect(s.invoker.automations.started.length - startsBefore).to.equal(1);
  });

  it("remediate --finding-id --direct from a member account: the caller's credentials start the runbook there and write the same notes", async () => {
    const account = MEMBER_ACCOUNTS[0];
    const seeded = s.world.findings.find(
      (f) => f.control === 'KMS.4' && f.finding.AwsAccountId === account && f.finding.Region === REGIONS[0],
    );
    expect(seeded).to.not.equal(undefined);
    if (!seeded) return;
    const credentials = s.world.memberCredentials.get(account);
    // the member's own session: every call signed with it (no administrator, no hubfix-member role)
    const asMember = {
      call: (c: Parameters<typeof s.invoker.call>[0]) => s.invoker.call({ ...c, credentials: c.credentials ?? credentials }),
    };
    const startsBefore = s.invoker.automations.started.length;
    const updatesBefore = s.invoker.securityHub.updates.length;
    let out = '';
    const code = await runRemediate(
      { findingId: String(seeded.finding.Id), direct: true },
      asMember,
      (t) => (out += t),
      () => {},
    );
    expect(code, out).to.equal(0);
    await s.invoker.automations.drain();
    const runs = s.invoker.automations.started.slice(startsBefore);
    expect(runs).to.have.length(1);
    expect(runs[0].account).to.equal(account);
    expect(runs[0].startedBy, 'started by the caller, not the hubfix-member role').to.match(
      new RegExp(`^arn:aws:sts::${account}:assumed-role/${SETUP_ROLE}/`),
    );
    expect(runs[0].result?.status, runs[0].error).to.equal('Success');
    const writes = s.invoker.securityHub.updates.slice(updatesBefore).filter((u) => u.findingId === seeded.finding.Id);
    expect(writes.map((w) => w.callerAccount)).to.deep.equal([account, account]);
    expect(writes.map((w) => String((w.request.Note as { Text: string }).Text).slice(18, 27))).to.deep.equal(['STARTED e', 'SUCCEEDED']);
    expect(await seeded.seeded.problems(s.world.awsIn(account, REGIONS[0]))).to.deep.equal([]);
  });
});
