import { expect } from 'chai';
import * as sinon from 'sinon';
import { main } from '../../src/cli/main';
import { UsageError } from '../../src/cli/errors';
import { runSweep } from '../../src/cli/sweep';
import { filterFindings } from '../../src/emulator/securityhub-standin';
import { AwsServiceError } from '../../src/aws/invoker';
import { NOW } from '../findings/helpers';
import { HOUR, iso, runRecord, startedFinding, sweepFake } from '../orchestrator/sweep-fake';

async function sweepWith(args: Parameters<typeof runSweep>[0], fake = sweepFake()) {
  let out = '';
  let err = '';
  const code = await runSweep(
    args,
    fake.invoker,
    (s) => (out += s),
    (s) => (err += s),
    () => NOW,
  );
  return { code, out, err, fake };
}

describe('cli: hubfix sweep', () => {
  it('--dry-run --json reports what it would write, and writes nothing', async () => {
    // the shipped catalog: EC2.13 is Hubfix-EC2-AdminPortsIngress there, the fake's runs name the test document
    const f = startedFinding('d0d0d0d0-2222-4333-8444-555555555555');
    const fake = sweepFake([f], []);
    const r = await sweepWith({ region: 'us-east-1', dryRun: true, json: true }, fake);
    expect(r.code).to.equal(0);
    const body = JSON.parse(r.out);
    expect(body.counts).to.deep.equal({ written: 0, 'would-write': 1, left: 0, failed: 0 });
    expect(body.findings[0]).to.include({ findingId: f.Id, action: 'would-write', status: 'FAILED', control: 'EC2.13' });
    expect(body.findings[0].detail).to.match(/no execution of Hubfix-[\w-]+ for this finding/);
    expect(fake.calls('securityhub', 'BatchUpdateFindings')).to.have.length(0);
    expect(fake.calls('sns', 'Publish')).to.have.length(0);
  });

  it('prints a table and a summary line; exit 0 when nothing failed', async () => {
    const f = startedFinding('e0e0e0e0-2222-4333-8444-555555555555', 10 * 60_000);
    const r = await sweepWith({ region: 'us-east-1' }, sweepFake([f]));
    expect(r.code).to.equal(0);
    expect(r.out).to.match(/^ACTION\s+CONTROL\s+ACCOUNT/);
    expect(r.out).to.match(/1 finding\(s\) at STARTED past the grace period: 0 written, 0 would be written, 1 left, 0 failed\n$/);
  });

  it('exit 1 and one line on standard error when the listing fails', async () => {
    const fake = sweepFake();
    fake.fail = () => new AwsServiceError('AccessDeniedException', 'not allowed', 'securityhub', 'GetFindings');
    const r = await sweepWith({ region: 'eu-west-1' }, fake);
    expect(r.code).to.equal(1);
    expect(r.err).to.equal('hubfix: GetFindings in eu-west-1: AccessDeniedException: not allowed\n');
  });

  it('bad numbers are usage errors before any AWS call', async () => {
    const fake = sweepFake();
    for (const [args, pattern] of [
      [{ region: 'us-east-1', max: '0' }, /^--max "0" is not a whole number from 1 to 10000$/],
      [{ region: 'us-east-1', max: '12abc' }, /^--max "12abc"/],
      [{ region: 'us-east-1', graceMinutes: '5' }, /^--grace-minutes "5" is not a whole number from 15 to 10080$/],
    ] as const) {
      let error: unknown;
      await sweepWith(args, fake).catch((e) => (error = e));
      expect(error).to.be.instanceOf(UsageError);
      expect((error as Error).message).to.match(pattern);
    }
    expect(fake.stub.callCount).to.equal(0);
  });

  it('is a hubfix command: a usage mistake is one line on standard error, exit 2', async () => {
    const err = sinon.stub(process.stderr, 'write').returns(true);
    const out = sinon.stub(process.stdout, 'write').returns(true);
    let code: number;
    try {
      code = await main(['node', 'hubfix', 'sweep', '--region', 'us-east-1', '--max', 'lots']);
    } finally {
      err.restore();
      out.restore();
    }
    expect(code).to.equal(2);
    expect(
      err
        .getCalls()
        .map((c) => String(c.args[0]))
        .join(''),
    ).to.equal('hubfix: --max "lots" is not a whole number from 1 to 10000\n');
  });

  it('writes through when asked, and exits 1 when a write failed', async () => {
    const f = startedFinding('f0f0f0f0-2222-4333-8444-555555555555');
    const fake = sweepFake([f], [runRecord('exec-9', f.Id, 'Failed', NOW - 2 * HOUR + 1000)]);
    fake.fail = (call) =>
      call.operation === 'BatchUpdateFindings'
        ? new AwsServiceError('InternalServerError', 'boom', 'securityhub', 'BatchUpdateFindings')
        : undefined;
    const r = await sweepWith({ region: 'us-east-1' }, fake);
    expect(r.code).to.equal(1);
    expect(r.err).to.match(
      /^hubfix: arn:aws:securityhub:us-east-1:222233334444:security-control\/EC2.13\/finding\/f0f0f0f0.*: writing the finding failed: InternalServerError: boom; not notified\n$/,
    );
    expect(fake.calls('sns', 'Publish')).to.have.length(0);
  });
});

describe('emulator stand-in: GetFindings map and date filters (the sweep lists with them)', () => {
  const a = { Id: 'a', UserDefinedFields: { 'hubfix:status': 'STARTED' }, Note: { UpdatedAt: iso(NOW - 2 * HOUR) } };
  const b = { Id: 'b', UserDefinedFields: { 'hubfix:status': 'SUCCEEDED' }, Note: { UpdatedAt: iso(NOW - 2 * HOUR) } };
  const c = { Id: 'c', UserDefinedFields: { 'hubfix:status': 'STARTED' }, Note: { UpdatedAt: iso(NOW - 10 * 60_000) } };
  const d = { Id: 'd' };

  it('keeps the findings whose map holds the value under the key, and whose date is in the range', () => {
    const ids = (filters: Record<string, unknown>) => filterFindings([a, b, c, d], filters, NOW).map((x) => x.Id);
    expect(ids({ UserDefinedFields: [{ Key: 'hubfix:status', Value: 'STARTED', Comparison: 'EQUALS' }] })).to.deep.equal(['a', 'c']);
    expect(ids({ UserDefinedFields: [{ Key: 'hubfix:status', Value: 'STARTED', Comparison: 'NOT_EQUALS' }] })).to.deep.equal(['b', 'd']);
    expect(ids({ NoteUpdatedAt: [{ Start: '2018-01-01T00:00:00.000Z', End: iso(NOW - HOUR) }] })).to.deep.equal(['a', 'b']);
    expect(ids({ NoteUpdatedAt: [{ DateRange: { Value: 1, Unit: 'DAYS' } }] })).to.deep.equal(['a', 'b', 'c']);
  });
});
