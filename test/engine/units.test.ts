import { expect } from 'chai';
import { Interrupt, RealClock, Signal, VirtualClock } from '../../src/engine/clock';
import { parseDuration, parseTimestamp } from '../../src/engine/duration';
import { NO_MATCH, compileSelector } from '../../src/engine/selector';
import { ValueTypeError, coerceToType, stringListForm } from '../../src/engine/values';
import { api, doc, run, stepOf } from './helpers';

describe('engine units: clock, durations, selectors, value types', () => {
  it('the virtual clock fires timers in time order and jumps to each', async () => {
    const clock = new VirtualClock(0);
    const fired: Array<[string, number]> = [];
    await Promise.all([
      clock.sleep(3000).then(() => fired.push(['b', clock.now()])),
      clock.sleep(1000).then(() => fired.push(['a', clock.now()])),
    ]);
    expect(fired).to.deep.equal([
      ['a', 1000],
      ['b', 3000],
    ]);
  });

  it('an aborted sleep rejects with the reason and leaves no timer', async () => {
    const clock = new VirtualClock(0);
    const signal = new Signal();
    const p = clock.sleep(1000, signal);
    signal.abort(new Interrupt('Cancelled', 'stop'));
    let err: unknown;
    await p.catch((e) => (err = e));
    expect((err as Interrupt).kind).to.equal('Cancelled');
    expect(clock.pending).to.equal(0);
  });

  it('the real clock sleeps real time and can be aborted', async () => {
    const clock = new RealClock();
    const t0 = Date.now();
    await clock.sleep(15);
    expect(Date.now() - t0).to.be.at.least(10);
    const s = new Signal();
    const p = clock.sleep(10000, s);
    s.abort(new Interrupt('TimedOut', 'x'));
    expect(
      await p.then(
        () => 'resolved',
        (e: Interrupt) => e.kind,
      ),
    ).to.equal('TimedOut');
  });

  it('parses ISO 8601 durations and timestamps', () => {
    expect(parseDuration('PT10M')).to.equal(600000);
    expect(parseDuration('P1DT2H')).to.equal(26 * 3600000);
    expect(parseDuration('PT0.5S')).to.equal(500);
    expect(parseDuration('P1W')).to.equal(7 * 86400000);
    for (const bad of ['10M', 'P', 'PT', 'P1M', '-PT1S']) expect(parseDuration(bad), bad).to.equal(undefined);
    expect(parseTimestamp('2020-01-01T01:00:00Z')).to.equal(Date.UTC(2020, 0, 1, 1));
    expect(parseTimestamp('tomorrow')).to.equal(undefined);
  });

  it('plain selectors walk properties; others go to JSONPath and yield lists', () => {
    const json = { A: [{ B: 1 }, { B: 2 }], 'odd key': true };
    expect(compileSelector('$.A[1].B').select(json)).to.equal(2);
    expect(compileSelector("$['odd key']").select(json)).to.equal(true);
    expect(compileSelector('$.A[5].B').select(json)).to.equal(NO_MATCH);
    const multi = compileSelector('$.A[*].B');
    expect(multi.multi).to.equal(true);
    expect(multi.select(json)).to.deep.equal([1, 2]);
    expect(compileSelector('$.A[?(@.B > 1)].B').select(json)).to.deep.equal([2]);
    expect(() => compileSelector('A.B')).to.throw(/not a JSONPath/);
  });

  it('coerces values to SSM types, and refuses what does not fit', () => {
    expect(coerceToType(5, 'String')).to.equal('5');
    expect(coerceToType('42', 'Integer')).to.equal(42);
    expect(coerceToType('True', 'Boolean')).to.equal(true);
    expect(coerceToType([1, 'a'], 'StringList')).to.deep.equal(['1', 'a']);
    expect(() => coerceToType(1.5, 'Integer')).to.throw(ValueTypeError);
    expect(() => coerceToType('x', 'StringMap')).to.throw(ValueTypeError);
    expect(() => coerceToType([1], 'MapList')).to.throw(ValueTypeError);
    expect(stringListForm({ a: 1 })).to.deep.equal(['{"a":1}']);
  });
});

describe('engine: the execution record', () => {
  it('is shaped like GetAutomationExecution, with times from the clock, Calls and ChildExecutions', async () => {
    const d = doc(
      [
        api('Get', 'iam', 'GetAccountPasswordPolicy', {
          maxAttempts: 2,
          timeoutSeconds: 30,
          outputs: [{ Name: 'Len', Selector: '$.PasswordPolicy.MinimumPasswordLength', Type: 'Integer' }],
        }),
        { name: 'Nap', action: 'aws:sleep', inputs: { Duration: 'PT1M' } },
      ],
      { outputs: ['Get.Len'], parameters: { Tags: { type: 'StringList', default: ['a', 'b'] } } },
    );
    const h = await run(
      d,
      {},
      { mocks: [{ service: 'iam', operation: 'GetAccountPasswordPolicy', output: { PasswordPolicy: { MinimumPasswordLength: 9 } } }] },
    );
    const r = h.result.record;
    expect(r).to.include({
      DocumentName: 'Test-Doc',
      AutomationExecutionStatus: 'Success',
      Mode: 'Auto',
      ExecutionStartTime: '2024-01-01T00:00:00.000Z',
      ExecutionEndTime: '2024-01-01T00:01:00.000Z',
    });
    expect(r.Parameters).to.deep.equal({ AutomationAssumeRole: ['arn:aws:iam::111122223333:role/HubfixTest'], Tags: ['a', 'b'] });
    expect(r.Outputs).to.deep.equal({ 'Get.Len': ['9'] });
    expect(h.result.outputs).to.deep.equal({ 'Get.Len': 9 });
    const get = stepOf(h, 'Get');
    expect(get).to.include({
      StepName: 'Get',
      Action: 'aws:executeAwsApi',
      StepStatus: 'Success',
      Attempts: 1,
      MaxAttempts: 2,
      TimeoutSeconds: 30,
      OnFailure: 'Abort',
      IsCritical: true,
      IsEnd: false,
    });
    expect(get.Outputs).to.deep.equal({ Len: ['9'] });
    expect(stepOf(h, 'Nap').ExecutionEndTime).to.equal('2024-01-01T00:01:00.000Z');
    expect(r.Calls.map((c) => [c.service, c.operation, c.step])).to.deep.equal([
      ['sts', 'AssumeRole', undefined],
      ['iam', 'GetAccountPasswordPolicy', 'Get'],
    ]);
    expect(r.ChildExecutions).to.deep.equal([]);
  });

  it('an automation whose role cannot be assumed fails before any step', async () => {
    const h = await run(
      doc([api('Get', 'iam', 'GetAccountPasswordPolicy')]),
      {},
      {
        mocks: [
          { service: 'sts', operation: 'AssumeRole', error: { name: 'AccessDenied', message: 'not authorized to perform sts:AssumeRole' } },
        ],
      },
    );
    expect(h.result.status).to.equal('Failed');
    expect(h.result.record.StepExecutions).to.deep.equal([]);
    expect(h.result.record.FailureMessage).to.match(/could not assume its role arn:aws:iam::111122223333:role\/HubfixTest: not authorized/);
  });

  it('without an assumeRole the account comes from the options, else from sts GetCallerIdentity', async () => {
    const d = { schemaVersion: '0.3' as const, mainSteps: [api('Get', 'iam', 'GetAccountPasswordPolicy')] };
    const mocks = [{ service: 'iam', operation: 'GetAccountPasswordPolicy', output: {} }];
    const given = await run(d, {}, { mocks, account: '999988887777' });
    expect(given.result.record.Account).to.equal('999988887777');
    expect(given.result.record.Calls.map((c) => c.operation)).to.deep.equal(['GetAccountPasswordPolicy']);
    const asked = await run(
      d,
      {},
      { mocks: [...mocks, { service: 'sts', operation: 'GetCallerIdentity', output: { Account: '555566667777' } }] },
    );
    expect(asked.result.record.Account).to.equal('555566667777');
  });
});
