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
    const r = await handler(fixture('imported-own-update-echo.json'));
    expect(r.counts).to.include({ skip: 1, start: 0 });
    const [line] = lines();
    expect(line).to.include({ msg: 'hubfix.decision', decision: 'skip', reason: 'OWN_UPDATE' });
  });

  it('rejects a body that is not JSON with one line', async () => {
    const r = await handler(fixtureText('bad-not-json.json'));
    expect(r.rejected?.reason).to.equal('MALFORMED');
    expect(lines()).to.have.length(1);
  });
});
