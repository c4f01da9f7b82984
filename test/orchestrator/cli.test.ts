import { expect } from 'chai';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { main } from '../../src/cli/main';
import { runDecide } from '../../src/cli/decide';
import { runRemediate } from '../../src/cli/remediate';
import { UsageError } from '../../src/cli/errors';
import { FIXTURES, findingOf } from '../findings/helpers';
import { fakeAws } from './fake-aws';

const fx = (name: string) => path.join(FIXTURES, name);

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = sinon.stub(process.stdout, 'write').returns(true);
  const err = sinon.stub(process.stderr, 'write').returns(true);
  try {
    const code = await main(['node', 'hubfix', ...args]);
    return {
      code,
      out: out
        .getCalls()
        .map((c) => String(c.args[0]))
        .join(''),
      err: err
        .getCalls()
        .map((c) => String(c.args[0]))
        .join(''),
    };
  } finally {
    out.restore();
    err.restore();
  }
}

describe('cli: hubfix decide', () => {
  it('--json prints one row per finding with the decision, reason, control, document, account, Region and parameters', async () => {
    const r = await run(['decide', fx('imported-cis-1.2.0-rule.json'), '--json']);
    expect(r.code).to.equal(0);
    const rows = JSON.parse(r.out);
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({
      decision: 'start',
      reason: 'MODE_DRY_RUN',
      control: 'IAM.15',
      account: '111122223333',
      region: 'us-west-2',
    });
    expect(Object.keys(rows[0])).to.include.members([
      'findingId',
      'decision',
      'reason',
      'control',
      'document',
      'account',
      'region',
      'parameters',
    ]);
    expect(rows[0].parameters.DryRun).to.equal(true);
  });

  it('prints a readable table by default', async () => {
    const r = await run(['decide', fx('custom-action-multi-account.json')]);
    expect(r.code).to.equal(0);
    expect(r.out.split('\n')[0]).to.match(/^DECISION\s+REASON\s+CONTROL\s+ACCOUNT\s+REGION\s+FINDING\s+DETAIL$/);
    expect(r.out).to.contain('4 finding(s): 3 start, 1 notify, 0 skip');
  });

  it('takes --config and --now', () => {
    const { decisions } = runDecide(fx('imported-consolidated-iam15.json'), {
      config: path.join(__dirname, '..', '..', 'hubfix.config.example.yaml'),
      now: '2024-06-01T12:01:00Z',
    });
    expect(decisions[0].reason, 'IAM.15 is auto in the example file').to.equal('MODE_AUTO');
    expect(() => runDecide(fx('imported-consolidated-iam15.json'), { now: 'tuesday' })).to.throw(UsageError, '--now');
  });

  it('a bad file is one line on stderr and exit 2: not JSON, not an event, missing, bad config', async () => {
    for (const args of [
      ['decide', fx('bad-not-json.json')],
      ['decide', fx('bad-malformed-event.json')],
      ['decide', fx('no-such-file.json')],
      ['decide', fx('imported-consolidated-iam15.json'), '--config', fx('imported-consolidated-iam15.json')],
    ]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.err.trim().split('\n'), r.err).to.have.length(1);
      expect(r.err).to.match(/^hubfix: /);
      expect(r.out).to.equal('');
    }
  });

  it('malformed findings are rows, not errors', async () => {
    const r = await run(['decide', fx('bad-missing-resources.json'), '--json']);
    expect(r.code).to.equal(0);
    expect(JSON.parse(r.out)[0]).to.include({ decision: 'skip', reason: 'MALFORMED' });
  });
});

describe('cli: hubfix remediate', () => {
  it('reads the finding with GetFindings and starts it through the orchestrator path', async () => {
    const fake = fakeAws();
    const f = findingOf('imported-consolidated-iam15.json');
    f.Workflow.Status = 'NOTIFIED';
    fake.findings.push(f);
    let out = '';
    const code = await runRemediate({ findingId: f.Id }, fake.invoker, (s) => {
      out += s;
    });
    expect(code).to.equal(0);
    const [get] = fake.calls('securityhub', 'GetFindings');
    expect(get.region).to.equal('us-east-1');
    expect(get.input.Filters).to.deep.equal({ Id: [{ Value: f.Id, Comparison: 'EQUALS' }] });
    const [start] = fake.calls('ssm', 'StartAutomationExecution');
    expect((start.input.Parameters as Record<string, string[]>).DryRun).to.deep.equal(['false']);
    expect(out).to.match(/^start ACTION_REMEDIATE/);
    expect(out).to.contain('execution exec-0000');
  });

  it('--dry-run runs with DryRun=true; a skipped finding exits 1 with its reason', async () => {
    const fake = fakeAws();
    const f = findingOf('imported-consolidated-iam15.json');
    fake.findings.push(f);
    expect(await runRemediate({ findingId: f.Id, dryRun: true }, fake.invoker, () => {})).to.equal(0);
    expect((fake.calls('ssm', 'StartAutomationExecution')[0].input.Parameters as Record<string, string[]>).DryRun).to.deep.equal(['true']);
    const passed = fakeAws();
    passed.findings.push({ ...f, Compliance: { Status: 'PASSED', SecurityControlId: 'IAM.15' } });
    let out = '';
    expect(await runRemediate({ findingId: f.Id }, passed.invoker, (s) => (out += s))).to.equal(1);
    expect(out).to.match(/^skip NOT_FAILED/);
  });

  it('an unknown finding exits 1; a bad finding id or Region is a usage error', async () => {
    const fake = fakeAws();
    let out = '';
    let err = '';
    expect(
      await runRemediate(
        { findingId: 'arn:aws:securityhub:us-east-1:111122223333:security-control/IAM.15/finding/x' },
        fake.invoker,
        (s) => (out += s),
        (s) => (err += s),
      ),
    ).to.equal(1);
    expect(err, 'errors go to standard error').to.contain('no finding');
    expect(out).to.equal('');
    await runRemediate({ findingId: 'sg-0abc; rm -rf /' }, fake.invoker).then(
      () => expect.fail('accepted a bad finding id'),
      (err) => expect(err).to.be.instanceOf(UsageError),
    );
    await runRemediate({ findingId: 'arn:aws:securityhub:us-east-1:111122223333:x', region: 'moon-1' }, fake.invoker).then(
      () => expect.fail('accepted a bad Region'),
      (err) => expect(err).to.be.instanceOf(UsageError),
    );
  });
});
