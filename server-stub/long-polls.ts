// Held long polls, by key (a client's events, a channel's console): each holds one timer, for its
// timeout, and is looked at only when it is held and when its key changes. Changes are taken in on
// the next turn of the event loop: one request makes several changes (a clientRequest and its
// botResponse), and a waiting client should get them in one answer. A look is asynchronous (the
// store may be across the network): a change that comes while one is under way is looked at again
// once it ends, so that no change is missed and no poll is answered twice.
interface Held {
  /** The answer to give if there is something new to answer with (the poll is then let go first). */
  take: () => Promise<(() => void) | undefined>;
  /** Answers now, with whatever there is: the timeout passed, or the stub is stopping or resetting. */
  answerNow: (reason: 'timeout' | 'release') => void;
  /** The look failed (the store is unreachable): the poll is let go with the error. */
  fail: (error: unknown) => void;
  timer: NodeJS.Timeout;
  looking: boolean;
  lookAgain: boolean;
}

type HoldCallbacks = Pick<Held, 'take' | 'answerNow' | 'fail'>;

export class LongPolls {
  private readonly held = new Map<string, Set<Held>>();
  /** Keys that changed whose polls have not been looked at yet. */
  private readonly changedKeys = new Set<string>();
  private flushScheduled = false;

  /**
   * Holds a poll until `take` has an answer (looked at once now, then after each change of `key`),
   * or `timeoutMs` passes. Returns a cancel function (the client went away).
   */
  private hold(key: string, timeoutMs: number, callbacks: HoldCallbacks): () => void {
    let set = this.held.get(key);
    if (!set) this.held.set(key, (set = new Set()));
    const polls = set;
    const poll: Held = {
      ...callbacks,
      timer: setTimeout(() => {
        if (this.remove(key, polls, poll)) poll.answerNow('timeout');
      }, timeoutMs),
      looking: false,
      lookAgain: false,
    };
    polls.add(poll);
    this.look(key, polls, poll);
    return () => void this.remove(key, polls, poll);
  }

  /**
   * hold() as a promise: what `look` finds (looked at now and after each change of `key`), or
   * after `timeoutMs` or at a release what `atEnd` gives; rejected when a look fails. `signal`: the
   * client went away (the poll and its timer go at once; the promise then stays unsettled).
   */
  wait<T>(key: string, timeoutMs: number, look: () => Promise<T | undefined>, atEnd: (reason: 'timeout' | 'release') => T | Promise<T>, signal?: AbortSignal): Promise<T> {
    return new Promise((resolve, reject) => {
      const cancel = this.hold(key, timeoutMs, {
        take: async () => {
          const found = await look();
          return found === undefined ? undefined : () => resolve(found);
        },
        answerNow: (reason) => {
          Promise.resolve(atEnd(reason)).then(resolve, reject);
        },
        fail: reject,
      });
      if (signal?.aborted) cancel();
      else signal?.addEventListener('abort', cancel, { once: true });
    });
  }

  /** Something changed under `key`: its polls are looked at on the next turn. */
  changed(key: string): void {
    if (!this.held.has(key)) return;
    this.changedKeys.add(key);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** How many polls are held (for tests and diagnostics). */
  get size(): number {
    let count = 0;
    for (const set of this.held.values()) count += set.size;
    return count;
  }

  /** Answers every held poll now (shutdown, reset). */
  releaseAll(): void {
    const all = [...this.held.values()];
    this.held.clear();
    this.changedKeys.clear();
    for (const set of all) {
      for (const poll of set) {
        clearTimeout(poll.timer);
        poll.answerNow('release');
      }
    }
  }

  /** Removes the poll; false when it was gone already (answered, timed out, cancelled). */
  private remove(key: string, set: Set<Held>, poll: Held): boolean {
    clearTimeout(poll.timer);
    if (!set.delete(poll)) return false;
    if (set.size === 0 && this.held.get(key) === set) this.held.delete(key);
    return true;
  }

  private look(key: string, set: Set<Held>, poll: Held): void {
    if (poll.looking) {
      poll.lookAgain = true;
      return;
    }
    poll.looking = true;
    poll.take().then(
      (answer) => {
        poll.looking = false;
        if (!set.has(poll)) return;
        if (answer) {
          this.remove(key, set, poll);
          answer();
        } else if (poll.lookAgain) {
          poll.lookAgain = false;
          this.look(key, set, poll);
        }
      },
      (error: unknown) => {
        poll.looking = false;
        if (this.remove(key, set, poll)) poll.fail(error);
      },
    );
  }

  private flush(): void {
    this.flushScheduled = false;
    // Take the batch first: an answer may lead to new changes, which start the next batch.
    const keys = [...this.changedKeys];
    this.changedKeys.clear();
    for (const key of keys) {
      const set = this.held.get(key);
      if (!set) continue;
      for (const poll of set) this.look(key, set, poll);
    }
  }
}
