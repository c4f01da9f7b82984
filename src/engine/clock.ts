/**
 * Time for the engine. Every wait the engine makes (sleep steps, retry backoff, polling, step
 * timeouts, approval and pause timeouts) goes through a Clock, so tests and the benchmark run on
 * a virtual clock that jumps ahead instead of waiting.
 */

/** Why a wait or a step was interrupted. */
export class Interrupt extends Error {
  constructor(
    readonly kind: 'TimedOut' | 'Cancelled',
    message: string,
  ) {
    super(message);
    this.name = kind;
  }
}

/** A one-shot cancellation flag with listeners (lighter than AbortController on the hot path). */
export class Signal {
  aborted = false;
  reason: Interrupt | undefined;
  private listeners: Array<(reason: Interrupt) => void> = [];

  abort(reason: Interrupt): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = [];
    for (const l of listeners) l(reason);
  }

  /** Calls `listener` once when aborted (at once if already aborted); returns an unsubscribe. */
  onAbort(listener: (reason: Interrupt) => void): () => void {
    if (this.aborted) {
      listener(this.reason as Interrupt);
      return () => {};
    }
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Throws the abort reason if aborted. */
  check(): void {
    if (this.aborted) throw this.reason;
  }
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason if it is aborted first. */
  sleep(ms: number, signal?: Signal): Promise<void>;
}

export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal?: Signal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      let off = () => {};
      const timer = setTimeout(
        () => {
          off();
          resolve();
        },
        Math.max(0, ms),
      );
      if (signal)
        off = signal.onAbort((reason) => {
          clearTimeout(timer);
          reject(reason);
        });
    });
  }
}

interface VirtualTimer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * Virtual time: a sleep is due when nothing else can run. After the pending promise work has
 * drained (a setImmediate turn), the earliest timer fires and time jumps to it. Work that waits
 * on real I/O across turns sees virtual time move past it: use the real clock for that.
 */
export class VirtualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: VirtualTimer[] = [];
  private scheduled = false;

  constructor(start: Date | number = Date.UTC(2024, 0, 1)) {
    this.t = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: Signal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      let off = () => {};
      const timer: VirtualTimer = {
        at: this.t + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          off();
          resolve();
        },
      };
      this.insert(timer);
      if (signal)
        off = signal.onAbort((reason) => {
          const i = this.timers.indexOf(timer);
          if (i >= 0) this.timers.splice(i, 1);
          reject(reason);
        });
      this.schedule();
    });
  }

  /** Moves time forward by hand (fires nothing by itself). */
  advance(ms: number): void {
    this.t += ms;
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.timers.length;
  }

  private insert(timer: VirtualTimer): void {
    // kept sorted by (at, seq); timers are few, so a linear insert from the end is cheapest
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1].at > timer.at) i--;
    this.timers.splice(i, 0, timer);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.fire());
  }

  private fire(): void {
    this.scheduled = false;
    const next = this.timers.shift();
    if (!next) return;
    if (next.at > this.t) this.t = next.at;
    next.resolve();
    if (this.timers.length) this.schedule();
  }
}
