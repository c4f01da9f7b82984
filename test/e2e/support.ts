import { type RunningEmulator, startEmulator } from '../../src/emulator';

/**
 * One emulator for the e2e suites of a mocha run: the first suite that needs it starts it (and
 * installs it on first use: allow minutes), each suite gets it reset, and the last suite to finish
 * stops it. Without Python the `before` hook fails with the emulator's one-line reason: the
 * end-to-end tests never skip.
 */

let running: Promise<RunningEmulator> | undefined;
let users = 0;

export const EMULATOR_START_TIMEOUT_MS = 10 * 60_000;

export function useEmulator(): { current(): RunningEmulator } {
  let emulator: RunningEmulator | undefined;
  before(async function () {
    this.timeout(EMULATOR_START_TIMEOUT_MS);
    users += 1;
    running ??= startEmulator({ progress: (line) => process.stderr.write(`  [emulator] ${line}\n`) });
    try {
      emulator = await running;
    } catch (err) {
      running = undefined;
      throw err;
    }
    await emulator.reset();
  });
  after(async () => {
    users -= 1;
    if (users === 0 && running) {
      const r = running;
      running = undefined;
      await (await r).stop();
    }
  });
  return {
    current() {
      if (!emulator) throw new Error('the emulator is not running (its before hook failed)');
      return emulator;
    },
  };
}
