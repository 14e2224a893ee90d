// What the operator console needs beyond the store: the channel's clients in the order they first
// wrote, and a change counter per channel that a long poll can wait on (GET
// /_stub/channels/{token}/clients?after=N), so that the console is live without polling in a loop.
interface Waiter {
  after: number;
  answer: () => void;
  timer: NodeJS.Timeout;
}

export class OperatorDesk {
  /** Per channel: clientIds, in first-seen order (a Set keeps insertion order). */
  private readonly clients = new Map<string, Set<string>>();
  private readonly versions = new Map<string, number>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly pending = new Set<string>();
  private flushScheduled = false;

  /** Something changed in a client's conversation (a message, a status, a takeover). */
  touch(token: string, clientId: string): void {
    let clients = this.clients.get(token);
    if (!clients) this.clients.set(token, (clients = new Set()));
    clients.add(clientId);
    this.versions.set(token, this.version(token) + 1);
    if (!this.waiters.has(token)) return;
    this.pending.add(token);
    // On the next turn: one request makes several changes, and a waiter should see all of them.
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  clientIds(token: string): string[] {
    return [...(this.clients.get(token) ?? [])];
  }

  version(token: string): number {
    return this.versions.get(token) ?? 0;
  }

  /** Calls `answer` once the channel's version is past `after`, or after `timeoutMs`. Returns a cancel function. */
  wait(token: string, after: number, timeoutMs: number, answer: () => void): () => void {
    if (this.version(token) > after || timeoutMs === 0) {
      answer();
      return () => undefined;
    }
    let set = this.waiters.get(token);
    if (!set) this.waiters.set(token, (set = new Set()));
    const waiters = set;
    const waiter: Waiter = {
      after,
      answer,
      timer: setTimeout(() => {
        this.remove(token, waiters, waiter);
        answer();
      }, timeoutMs),
    };
    waiters.add(waiter);
    return () => this.remove(token, waiters, waiter);
  }

  /** Answers every waiting console (reset, shutdown) and, with `forget`, forgets every client. */
  releaseAll(forget = false): void {
    const all = [...this.waiters.values()];
    this.waiters.clear();
    this.pending.clear();
    if (forget) {
      this.clients.clear();
      // Versions only grow, so that a console's `after` from before a reset is still in the past.
      for (const token of this.versions.keys()) this.versions.set(token, this.version(token) + 1);
    }
    for (const set of all) {
      for (const waiter of set) {
        clearTimeout(waiter.timer);
        waiter.answer();
      }
    }
  }

  private remove(token: string, set: Set<Waiter>, waiter: Waiter): void {
    clearTimeout(waiter.timer);
    set.delete(waiter);
    if (set.size === 0 && this.waiters.get(token) === set) this.waiters.delete(token);
  }

  private flush(): void {
    this.flushScheduled = false;
    const tokens = [...this.pending];
    this.pending.clear();
    for (const token of tokens) {
      const set = this.waiters.get(token);
      if (!set) continue;
      const version = this.version(token);
      for (const waiter of [...set]) {
        if (version <= waiter.after) continue;
        this.remove(token, set, waiter);
        waiter.answer();
      }
    }
  }
}
