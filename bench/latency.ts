import { startScenario } from '../src/emulator/pipeline';
import { startEmulator } from '../src/emulator/server';
import type { BenchResult } from './types';
import { percentile } from './stats';

/**
 * Event to automation started (issue 13: median under 2 s), in the emulator, through the events
 * queue as the admin stack delivers events (batches of up to 100, a batching window of 1 s):
 *   trickle  20 findings, each event alone (farther apart than the window): what one finding
 *            arriving on its own waits — the window, the orchestrator, StartAutomationExecution;
 *   burst    the rest of the scenario's findings, every event at once: queueing behind the batch
 *            included.
 * Measured from the event going onto the queue to SSM (the automation stand-in) accepting the run.
 */

const TRICKLE = 20;
const TARGET_MS = 2000;

export async function benchLatency(): Promise<BenchResult[]> {
  const emulator = await startEmulator({});
  try {
    const s = await startScenario({ endpoint: emulator.endpoint, progress: (l) => process.stderr.write(`  latency: ${l}\n`) });
    try {
      const trickle = await s.runPass({ trickle: TRICKLE, progress: () => {} });
      const burst = await s.runPass({ progress: () => {} });
      const figure = (label: string, ms: number[]): BenchResult => {
        const median = Math.round(percentile(ms, 0.5));
        return {
          name: `event to automation started, median (${label}; ${ms.length} started, p90 ${Math.round(percentile(ms, 0.9))} ms)`,
          value: median,
          unit: 'ms',
          target: `< ${TARGET_MS} ms`,
          ok: median < TARGET_MS,
        };
      };
      const started = (reports: typeof trickle.reports) =>
        reports.flatMap((r) => (r.eventToStartedMs === undefined ? [] : [r.eventToStartedMs]));
      return [
        figure(`trickle: ${TRICKLE} events, each alone, emulator`, started(trickle.reports)),
        figure(`burst: ${burst.events.length} events at once, in ${burst.queue.batches} batches, emulator`, started(burst.reports)),
      ];
    } finally {
      await s.close();
    }
  } finally {
    await emulator.stop();
  }
}
