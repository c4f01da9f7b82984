import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { shippedCatalog } from '../../src/compiler';
import { runReport } from '../../src/cli/report';
import { UsageError } from '../../src/cli/errors';
import { buildReport, consoleUrl, outcomeOf } from '../../src/report/model';
import { csvField, renderCsv, renderHtml, renderMarkdown, renderTable } from '../../src/report/render';
import { fakeAws } from '../orchestrator/fake-aws';
import { expectSelfContainedHtml, parseCsv } from './checks';

const base = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'events', 'imported-consolidated-iam15.json'), 'utf8'))
  .detail.findings[0] as Record<string, unknown>;

function finding(n: number, account: string, fields: Record<string, string>, workflow: string, note?: string, compliance = 'FAILED') {
  return {
    ...base,
    Id: String(base.Id).replace(/[0-9a-f]{4}$/, n.toString(16).padStart(4, '0')),
    AwsAccountId: account,
    Workflow: { Status: workflow },
    Compliance: { ...(base.Compliance as object), Status: compliance },
    UserDefinedFields: fields,
    ...(note ? { Note: { Text: note, UpdatedBy: 'Hubfix-IAM-PasswordPolicy', UpdatedAt: '2026-11-29T10:00:00Z' } } : {}),
  };
}

const now = new Date('2026-11-30T00:00:00Z');
const findings = [
  finding(
    1,
    '111111111111',
    { 'hubfix:status': 'SUCCEEDED', 'hubfix:updatedAt': '2026-11-29T10:01:00Z' },
    'RESOLVED',
    '2026-11-29T10:01Z SUCCEEDED exec e-1: MinimumPasswordLength 8 → 14 || older',
  ),
  finding(
    2,
    '222222222222',
    { 'hubfix:status': 'DRY_RUN' },
    'NOTIFIED',
    '2026-11-29T10:01Z DRY_RUN exec e-2: would set MinimumPasswordLength 14',
  ),
  finding(3, '222222222222', { 'hubfix:status': 'NOTIFY_ONLY' }, 'NOTIFIED', 'needs <a person>, "quoted", =cmd'),
  finding(4, '111111111111', { 'hubfix:status': 'FAILED' }, 'NOTIFIED', 'step Update failed'),
  finding(5, '111111111111', {}, 'NEW'),
  finding(6, '111111111111', {}, 'RESOLVED', undefined, 'PASSED'),
];

describe('report: the outcome of each finding, from its hubfix fields', () => {
  it('maps status, workflow and compliance to the matrix columns', () => {
    expect(outcomeOf('SUCCEEDED', 'RESOLVED', 'FAILED')).to.equal('fixed');
    expect(outcomeOf('SUCCEEDED', 'NOTIFIED', 'FAILED'), 'success never verified is not fixed').to.equal('failed');
    expect(outcomeOf('DRY_RUN', 'NOTIFIED', 'FAILED')).to.equal('previewed');
    expect(outcomeOf('NOTIFY_ONLY', 'NOTIFIED', 'FAILED')).to.equal('waiting');
    expect(outcomeOf('NOT_VERIFIED', 'NOTIFIED', 'FAILED')).to.equal('failed');
    expect(outcomeOf('START_FAILED', 'NEW', 'FAILED')).to.equal('failed');
    expect(outcomeOf('STARTED', 'NOTIFIED', 'FAILED')).to.equal('running');
    expect(outcomeOf('', 'NEW', 'FAILED')).to.equal('open');
    expect(outcomeOf('', 'RESOLVED', 'PASSED')).to.equal('passed');
  });

  it('builds the control × account matrix and one row per finding with the newest note entry', () => {
    const r = buildReport(findings, shippedCatalog(), { region: 'us-east-1', filters: {}, now });
    expect(r.findings).to.have.length(6);
    expect(r.totals).to.deep.equal({ fixed: 1, previewed: 1, waiting: 1, failed: 1, running: 0, open: 1, passed: 1 });
    expect(r.matrix.map((c) => [c.control, c.account])).to.deep.equal([
      ['IAM.15', '111111111111'],
      ['IAM.15', '222222222222'],
    ]);
    expect(r.matrix[0].counts).to.include({ fixed: 1, failed: 1, open: 1, passed: 1 });
    const fixed = r.findings.find((f) => f.outcome === 'fixed');
    expect(fixed?.note).to.equal('2026-11-29T10:01Z SUCCEEDED exec e-1: MinimumPasswordLength 8 → 14');
    expect(fixed?.when).to.equal('2026-11-29T10:01:00Z');
  });

  it('links each finding to its partition’s Security Hub console', () => {
    expect(consoleUrl('arn:aws:securityhub:eu-west-1:111111111111:security-control/S3.1/finding/abc', 'eu-west-1')).to.match(
      /^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/securityhub\/home\?region=eu-west-1#\/findings\?search=Id%3D%5Coperator%5C%3AEQUALS%5C%3Aarn%253Aaws/,
    );
    expect(consoleUrl('arn:aws-cn:securityhub:cn-north-1:111111111111:x', 'cn-north-1')).to.match(/^https:\/\/console\.amazonaws\.cn\//);
  });
});

describe('report: formats', () => {
  const r = buildReport(findings, shippedCatalog(), { region: 'us-east-1', filters: {}, now });

  it('CSV: the matrix, a blank line, then one row per finding; quotes and formula-looking cells are safe', () => {
    const rows = parseCsv(renderCsv(r));
    expect(rows[0]).to.deep.equal(['control', 'account', 'fixed', 'previewed', 'waiting', 'failed', 'running', 'open', 'passed']);
    expect(rows[1]).to.deep.equal(['IAM.15', '111111111111', '1', '0', '0', '1', '0', '1', '1']);
    const blank = rows.findIndex((x) => x.length === 1 && x[0] === '');
    expect(blank).to.equal(3);
    const header = rows[blank + 1];
    const data = rows.slice(blank + 2);
    expect(data).to.have.length(6);
    const waiting = data.find((x) => x[header.indexOf('outcome')] === 'waiting');
    expect(waiting?.[header.indexOf('what_changed')]).to.equal('needs <a person>, "quoted", =cmd');
    expect(csvField('=HYPERLINK("x")')).to.equal(`"'=HYPERLINK(""x"")"`);
  });

  it('HTML: one self-contained, well-formed page with the coloured grid and escaped data', () => {
    const html = renderHtml(r);
    expectSelfContainedHtml(html);
    expect(html).to.include('<td class="cell o-failed" title="1 fixed and verified, 1 failed, 1 still open, 1 passing">');
    expect(html).to.include('needs &lt;a person&gt;, &quot;quoted&quot;, =cmd');
    expect((html.match(/<a href="https:\/\/us-east-1\.console\.aws\.amazon\.com/g) ?? []).length).to.equal(6);
  });

  it('table and Markdown carry the matrix and every finding', () => {
    const t = renderTable(r);
    expect(t).to.match(/^CONTROL\s+ACCOUNT\s+FIXED\s+PREVIEWED\s+WAITING\s+FAILED\s+RUNNING\s+OPEN\s+PASSED/);
    expect(t).to.include('6 finding(s) in 2 account(s), 1 control(s)');
    const md = renderMarkdown(r);
    expect(md.match(/^\| \[IAM\.15\]\(https:/gm)).to.have.length(6);
    expect(md).to.include('needs <a person>, "quoted", =cmd');
  });
});

describe('report: the CLI path', () => {
  it('reads every page of GetFindings with the filters given and renders the chosen format', async () => {
    const fake = fakeAws();
    const pages = [findings.slice(0, 4), findings.slice(4)];
    fake.stub.callsFake(async (call) => {
      const i = call.input.NextToken === 'p2' ? 1 : 0;
      return { Findings: pages[i], ...(i === 0 ? { NextToken: 'p2' } : {}) };
    });
    const { report, text } = await runReport(
      { region: 'us-east-1', account: ['111111111111'], control: ['IAM.15'], workflow: ['new'], output: 'json' },
      { invoker: fake.invoker, env: {}, now: () => now },
    );
    expect(report.findings).to.have.length(6);
    expect(JSON.parse(text).totals.fixed).to.equal(1);
    const calls = fake.calls('securityhub', 'GetFindings');
    expect(calls).to.have.length(2);
    expect(calls[0].input.Filters).to.deep.equal({
      AwsAccountId: [{ Value: '111111111111', Comparison: 'EQUALS' }],
      ComplianceSecurityControlId: [{ Value: 'IAM.15', Comparison: 'EQUALS' }],
      WorkflowStatus: [{ Value: 'NEW', Comparison: 'EQUALS' }],
    });
    expect(calls[0].input.MaxResults).to.equal(100);
    expect(calls[1].input.NextToken).to.equal('p2');
  });

  it('bad input is a usage error before any call: a filter Security Hub rejects, an unknown format, --updated-since nonsense', async () => {
    const fake = fakeAws();
    for (const opts of [
      { filters: ['{"NoSuchField":[{"Value":"x","Comparison":"EQUALS"}]}'] },
      { filters: ['{"AwsAccountId":[{"Value":"x","Comparison":"SIMILAR"}]}'] },
      { filters: ['{"UpdatedAt":[{"DateRange":{"Value":7,"Unit":"WEEKS"}}]}'] },
      { output: 'pdf' },
      { updatedSince: 'yesterday' },
      { workflow: ['DONE'] },
    ]) {
      await runReport({ region: 'us-east-1', ...opts }, { invoker: fake.invoker, env: {} }).then(
        () => expect.fail(`accepted ${JSON.stringify(opts)}`),
        (err) => expect(err, JSON.stringify(opts)).to.be.instanceOf(UsageError),
      );
    }
    expect(fake.stub.callCount).to.equal(0);
  });
});
