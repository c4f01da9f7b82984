import { expect } from 'chai';
import type { AwsCall, Invoker } from '../../src/aws/invoker';
import { configParameter } from '../../src/findings/config-parameter';

function invokerReturning(values: Array<string | Error>): Invoker & { calls: AwsCall[] } {
  const calls: AwsCall[] = [];
  return {
    calls,
    async call(c: AwsCall) {
      calls.push(c);
      const v = values[Math.min(calls.length - 1, values.length - 1)];
      if (v instanceof Error) throw v;
      return { Parameter: { Name: '/hubfix/config', Value: v } };
    },
  } as Invoker & { calls: AwsCall[] };
}

describe('orchestrator configuration in an SSM parameter', () => {
  it('reads the parameter once per minute and applies a change after that', async () => {
    let now = 0;
    const inv = invokerReturning(['version: 1\nmode: {default: notify-only}\n', 'version: 1\nmode: {default: auto}\n']);
    const p = configParameter(inv, '/hubfix/config', 'eu-west-1', { now: () => now });
    expect((await p.get()).mode.default).to.equal('notify-only');
    now = 30_000;
    expect((await p.get()).mode.default).to.equal('notify-only');
    expect(inv.calls).to.have.length(1);
    expect(inv.calls[0]).to.include({ service: 'ssm', operation: 'GetParameter', region: 'eu-west-1' });
    now = 61_000;
    expect((await p.get()).mode.default).to.equal('auto');
  });

  it('fails with the parameter named when the first text does not validate', async () => {
    const p = configParameter(invokerReturning(['version: 1\nmode: {default: sometimes}\n']), '/hubfix/config', 'us-east-1');
    let error: unknown;
    await p.get().catch((e) => (error = e));
    expect(String((error as Error).message)).to.include('SSM parameter /hubfix/config');
  });

  it('keeps the last good configuration when a later text does not validate', async () => {
    let now = 0;
    const p = configParameter(invokerReturning(['version: 1\n', 'not: [valid']), '/hubfix/config', 'us-east-1', { now: () => now });
    const first = await p.get();
    now = 120_000;
    expect(await p.get()).to.equal(first);
  });
});
