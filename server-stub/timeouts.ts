// Reply timeouts: the store keeps each client's pending one (so that it outlives a restart, and any
// process sharing the store can fire it); this process holds a timer for each one it knows of. When
// a timer fires, the timeout is taken from the store first: only the one who takes it fires it, so
// a timeout fires once however many processes hold a timer for it. A client message, a takeover or
// a newer timeout replaces it in the store, and a stale timer then finds nothing to take.
import { clientKey, type ChatStore, type PendingTimeout } from './store/types.js';

export interface TimeoutSchedulerOptions {
  /** Fires a timeout taken from the store. */
  fire: (timeout: PendingTimeout) => Promise<void>;
  /** Looks for overdue timeouts this often (a shared store: the process that set one may have died); 0: never. */
  sweepMs?: number;
  logError: (line: string) => void;
}


export class TimeoutScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private sweeper?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly store: ChatStore,
    private readonly options: TimeoutSchedulerOptions,
  ) {}

  /** Holds a timer for the timeout (after it is in the store); replaces this process's timer for the client. */
  schedule(timeout: PendingTimeout): void {
    if (this.closed) return;
    const k = clientKey(timeout.token, timeout.clientId);
    clearTimeout(this.timers.get(k));
    const timer = setTimeout(() => {
      if (this.timers.get(k) === timer) this.timers.delete(k);
      void this.take(timeout);
    }, Math.max(0, timeout.dueAt - Date.now()));
    this.timers.set(k, timer);
  }

  /** Drops this process's timer for the client (the store's record is replaced by the caller's unit). */
  cancel(token: string, clientId: string): void {
    const k = clientKey(token, clientId);
    clearTimeout(this.timers.get(k));
    this.timers.delete(k);
  }

  /** Takes the timeout from the store and fires it, unless another process (or a newer timeout) got there first. */
  private async take(timeout: PendingTimeout): Promise<void> {
    try {
      const taken = await this.store.takeTimeout(timeout.token, timeout.clientId, timeout.id);
      if (taken && !this.closed) await this.options.fire(taken);
    } catch (error) {
      this.options.logError(`chatapi stub: the timeout reply failed: ${(error as Error).stack ?? String(error)}`);
    }
  }

  /** Holds timers for the timeouts the store keeps (after a restart); with `sweepMs`, keeps looking for overdue ones. */
  async resume(): Promise<void> {
    for (const timeout of await this.store.dueTimeouts(Number.MAX_SAFE_INTEGER, 100_000)) this.schedule(timeout);
    const every = this.options.sweepMs ?? 0;
    if (every > 0) {
      this.sweeper = setInterval(() => {
        this.store.dueTimeouts(Date.now() - every, 100).then(
          (due) => due.forEach((timeout) => void this.take(timeout)),
          () => undefined, // the store is away: the next sweep tries again
        );
      }, every);
      this.sweeper.unref();
    }
  }

  /** Drops every timer (a reset: the store forgets the timeouts too). */
  reset(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Stops for good; the timeouts stay in the store for the next start. */
  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    this.reset();
  }
}
