import { type Clock, RealClock, type Signal } from '../engine';

/** Real time, shifted: `now()` is this many milliseconds ahead; sleeps take real time. */
export class ShiftedClock implements Clock {
  private readonly real = new RealClock();
  constructor(readonly shiftMs: number) {}
  now(): number {
    return this.real.now() + this.shiftMs;
  }
  sleep(ms: number, signal?: Signal): Promise<void> {
    return this.real.sleep(ms, signal);
  }
}
