// Exponential back-off for retries, and a sleep that ends early on abort.

export interface BackoffOptions {
  /** Delay after the first failure (default 500 ms). */
  initialMs?: number;
  /** Upper bound of any delay (default 30 s). */
  maxMs?: number;
  /** Growth per consecutive failure (default 2). */
  factor?: number;
  /**
   * Randomise each delay between half and all of its value (default true), so that many clients
   * that lost the server together do not come back in lockstep.
   */
  jitter?: boolean;
}

/** The delay before retry number `attempt` (0 for the first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const { initialMs = 500, maxMs = 30_000, factor = 2, jitter = true } = options;
  const delay = Math.min(maxMs, initialMs * factor ** attempt);
  return jitter ? delay / 2 + Math.random() * (delay / 2) : delay;
}

/** Waits `ms`, or less if `signal` aborts; never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
