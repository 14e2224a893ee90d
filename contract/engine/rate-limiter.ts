// A token bucket shared by every request of a run, so that --rate bounds the load on the target
// whatever the concurrency of the checks. The bucket holds one token by default: no bursts, so at
// most `rate` requests start in any one second (plus the one that had its token already).
import { setTimeout as sleep } from 'node:timers/promises';

export class TokenBucket {
  private tokens: number;
  private last = performance.now();
  /** Callers wait in line: each `take` chains onto the previous one, so the order is fair. */
  private line: Promise<void> = Promise.resolve();

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity = 1,
  ) {
    if (!(ratePerSecond > 0)) throw new Error('rate must be positive');
    this.tokens = capacity;
  }

  /** Resolves when the caller may start a request; rejects if `signal` aborts first. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.line.then(() => this.waitForToken(signal));
    // A rejected turn must not break the line for those behind it.
    this.line = turn.catch(() => undefined);
    return turn;
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
  }

  private async waitForToken(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      const waitMs = ((1 - this.tokens) / this.ratePerSecond) * 1000;
      await sleep(Math.max(1, Math.ceil(waitMs)), undefined, { signal });
    }
  }
}
