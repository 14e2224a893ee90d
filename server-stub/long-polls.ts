// Held long polls, by key (a client's events, a channel's console): each holds one timer, for its
// timeout, and none is looked at until its key changes. Changes are taken in on the next turn of the
// event loop: one request makes several changes (a clientRequest and its botResponse), and a waiting
// client should get them in one answer.
interface Held {
  /** The answer to give if there is something new to answer with (the poll is then let go first). */
  take: () => (() => void) | undefined;
  /** Answers now, with whatever there is: the timeout passed, or the stub is stopping or resetting. */
  answerNow: (reason: 'timeout' | 'release') => void;
  timer: NodeJS.Timeout;
}

export class LongPolls {
  private readonly held = new Map<string, Set<Held>>();
  /** Keys that changed whose polls have not been looked at yet. */
  private readonly changedKeys = new Set<string>();
  private flushScheduled = false;

  /** Holds a poll until `take` has an answer after a change of `key`, or `timeoutMs` passes. Returns a cancel function (the client went away). */
  hold(key: string, timeoutMs: number, take: Held['take'], answerNow: Held['answerNow']): () => void {
    let set = this.held.get(key);
    if (!set) this.held.set(key, (set = new Set()));
    const polls = set;
    const poll: Held = {
      take,
      answerNow,
      timer: setTimeout(() => {
        this.remove(key, polls, poll);
        answerNow('timeout');
      }, timeoutMs),
    };
    polls.add(poll);
    return () => this.remove(key, polls, poll);
  }

  /** Something changed under `key`: its polls are offered the change on the next turn. */
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

  private remove(key: string, set: Set<Held>, poll: Held): void {
    clearTimeout(poll.timer);
    set.delete(poll);
    if (set.size === 0 && this.held.get(key) === set) this.held.delete(key);
  }

  private flush(): void {
    this.flushScheduled = false;
    // Take the batch first: an answer may lead to new changes, which start the next batch.
    const keys = [...this.changedKeys];
    this.changedKeys.clear();
    for (const key of keys) {
      const set = this.held.get(key);
      if (!set) continue;
      for (const poll of [...set]) {
        const answer = poll.take();
        if (!answer) continue;
        this.remove(key, set, poll);
        answer();
      }
    }
  }
}
