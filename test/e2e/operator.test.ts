import { expect } from 'chai';
import { runReport } from '../../src/cli/report';
import { type PassResult, type Scenario, startScenario } from '../../src/emulator/pipeline';
import { MEMBER_ACCOUNTS, REGIONS } from '../../src/emulator/scenario';
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
