import type { AwsCall, AwsOutput, Invoker } from '../aws/invoker';
import type { StartedAutomation } from './automation-standin';
import type { EmulatorInvoker } from './invoker';

/**
 * STAND-IN for SSM running what it was asked to start, on its own: the emulator's automation
 * stand-in runs started automations only when told (`kick`), which the pipeline does between
 * events. An operator's backlog run has no pipeline around it, so this invoker kicks after every
 * StartAutomationExecution, as SSM would simply run them. Everything else passes through.
 */
export class SelfRunningAutomations implements Invoker {
  constructor(readonly inner: EmulatorInvoker) {}

  async call(call: AwsCall): Promise<AwsOutput> {
    const out = await this.inner.call(call);
    if (call.service === 'ssm' && call.operation === 'StartAutomationExecution') this.inner.automations.kick();
    return out;
  }
}

/** The most automations that were running at the same moment in one account and Region. Pure. */
export function peakConcurrency(started: readonly StartedAutomation[]): number {
  const byKey = new Map<string, Array<[number, number]>>();
  for (const s of started) {
    const key = `${s.account}|${s.region}`;
    const events = byKey.get(key) ?? [];
    // ends sort before starts at the same instant: a run that ended as another started did not overlap it
    events.push([s.startedAt, 1], [s.endedAt ?? Number.POSITIVE_INFINITY, -1]);
    byKey.set(key, events);
  }
  let peak = 0;
  for (const events of byKey.values()) {
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let n = 0;
    for (const [, d] of events) {
      n += d;
      peak = Math.max(peak, n);
    }
  }
  return peak;
}
