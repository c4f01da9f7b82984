import { expect } from 'chai';
import * as sinon from 'sinon';
import { handler } from '../../orchestrator/handler';
import { LAMBDAS } from '../../src/compiler/bundle';
import { fixture, fixtureText } from '../findings/helpers';

/** The Lambda itself, on events that need no AWS call (its clients are real SDK clients). */
describe('orchestrator Lambda handler', () => {
  let out: sinon.SinonStub;
  beforeEach(() => {
    out = sinon.stub(process.stdout, 'write').returns(true);
  });
  afterEach(() => out.restore());

  const lines = () =>
    out
      .getCalls()
      .map((c) => String(c.args[0]))
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));

  it('is bundled as dist/lambda/orchestrator', () => {
    expect(LAMBDAS.orchestrator).to.equal('orchestrator/handler.ts');
  });

  it('logs one JSON line per finding and returns the counts', async () => {
    const r = (await handler(fixture('imported-own-update-echo.json'))) as { counts: Record<string, number> };
    expect(r.counts).to.include({ skip: 1, start: 0 });
    const [line] = lines();
    expect(line).to.include({ msg: 'hubfix.decision', decision: 'skip', reason: 'OWN_UPDATE' });
  });

  it('rejects a body that is not JSON with one line', async () => {
    const r = (await handler(fixtureText('bad-not-json.json'))) as { rejected?: { reason: string } };
    expect(r.rejected?.reason).to.equal('MALFORMED');
    expect(lines()).to.have.length(1);
  });

  const sqsRecord = (messageId: string | undefined, body: string, receiveCount = '1') => ({
    ...(messageId ? { messageId } : {}),
    receiptHandle: 'r',
    body,
    attributes: { ApproximateReceiveCount: receiveCount },
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:999988887777:hubfix-events',
  });

  it('takes a queue batch and reports back only the messages to retry', async () => {
    const r = await handler({
      Records: [sqsRecord('m-1', fixtureText('imported-own-update-echo.json')), sqsRecord('m-2', fixtureText('bad-not-json.json'))],
    });
    // an echo is skipped and a malformed event is rejected: neither would pass by retrying
    expect(r).to.deep.equal({ batchItemFailures: [] });
    const decided = lines().filter((l) => l.msg === 'hubfix.decision');
    expect(decided.map((l) => l.reason)).to.deep.equal(['OWN_UPDATE']);
    expect(lines().filter((l) => l.msg === 'hubfix.event-rejected')).to.have.length(1);
  });

  it('fails the whole batch when a queue record has no message id to report it back by', async () => {
    let error: unknown;
    try {
      await handler({ Records: [sqsRecord(undefined, fixtureText('imported-own-update-echo.json'))] });
    } catch (err) {
      error = err;
    }
    expect(String(error)).to.match(/unreadable queue records: Records\[0\] has no messageId/);
  });
});
