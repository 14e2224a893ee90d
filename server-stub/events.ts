// Events of a client's chat and long polling on them. Waiters are kept per channel and client and
// woken by publish (no polling loop); each holds exactly one timer, for its long-poll timeout.
import type { ChatStore, StoredEvent } from './store/types.js';
import type { ChatEvent } from './types.js';

export const MAX_EVENTS_PER_RESPONSE = 250;

export interface EventFilter {
  /** false: operator replies only (the description's default). */
  all: boolean;
  /** Leave out events caused by requests of this connection. */
  cid?: string;
  /** Only events with a greater ts. */
  afterTs: number;
}

/** An event as /events returns it: without the `cid` it is filtered by. */
export const toWire = ({ cid: _cid, ...event }: StoredEvent): ChatEvent => event;

interface Waiter {
  filter: EventFilter;
  answer: (events: StoredEvent[]) => void;
  timer: NodeJS.Timeout;
}

export function matches(filter: EventFilter, event: StoredEvent): boolean {
  if (!filter.all && event.type !== 'operatorResponse') return false;
  if (filter.cid !== undefined && event.cid === filter.cid) return false;
  return true;
}

export class EventBus {
  private readonly waiters = new Map<string, Set<Waiter>>();
  /** Clients with new events whose waiters have not been looked at yet. */
  private readonly pending = new Set<string>();
  private flushScheduled = false;

  constructor(private readonly store: ChatStore) {}

  private key(token: string, clientId: string): string {
    return `${token}\u0000${clientId}`;
  }

  /** Stores the event and wakes the client's waiters. */
  publish(token: string, clientId: string, event: StoredEvent): void {
    this.store.appendEvent(token, clientId, event);
    const key = this.key(token, clientId);
    if (!this.waiters.has(key)) return;
    this.pending.add(key);
    // Wake on the next turn of the event loop, not at once: a request publishes its clientRequest
    // and botResponse in one go, and a waiter should get both in one answer.
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Events that match the filter now, oldest first, at most 250. */
  query(token: string, clientId: string, filter: EventFilter): StoredEvent[] {
    return this.store.eventsAfter(token, clientId, filter.afterTs, (event) => matches(filter, event), MAX_EVENTS_PER_RESPONSE);
  }

  /**
   * Calls `answer` once: with the matching events as soon as there are some, or with [] after
   * `timeoutMs` (or at close). Returns a cancel function for a client that went away.
   */
  wait(token: string, clientId: string, filter: EventFilter, timeoutMs: number, answer: (events: StoredEvent[]) => void): () => void {
    const key = this.key(token, clientId);
    let set = this.waiters.get(key);
    if (!set) {
      set = new Set();
      this.waiters.set(key, set);
    }
    const waiters = set;
    const waiter: Waiter = {
      filter,
      answer,
      timer: setTimeout(() => {
        this.remove(key, waiters, waiter);
        // Not a bare []: an event published in this same timer pass has not been flushed to the
        // waiter yet, and answering [] would move the client's cursor past it for good.
        answer(this.query(token, clientId, filter));
      }, timeoutMs),
    };
    waiters.add(waiter);
    return () => this.remove(key, waiters, waiter);
  }

  /** How many long polls are held (for tests and diagnostics). */
  get waiting(): number {
    let count = 0;
    for (const set of this.waiters.values()) count += set.size;
    return count;
  }

  private remove(key: string, set: Set<Waiter>, waiter: Waiter): void {
    clearTimeout(waiter.timer);
    set.delete(waiter);
    if (set.size === 0 && this.waiters.get(key) === set) this.waiters.delete(key);
  }

  private flush(): void {
    this.flushScheduled = false;
    // Take the batch first: an answer may lead to new publishes, which start the next batch.
    const keys = [...this.pending];
    this.pending.clear();
    for (const key of keys) {
      const set = this.waiters.get(key);
      if (!set) continue;
      const separator = key.indexOf('\u0000');
      const token = key.slice(0, separator);
      const clientId = key.slice(separator + 1);
      for (const waiter of [...set]) {
        const events = this.query(token, clientId, waiter.filter);
        if (events.length === 0) continue;
        this.remove(key, set, waiter);
        waiter.answer(events);
      }
    }
  }

  /** Answers every held long poll with an empty list (shutdown, reset). */
  releaseAll(): void {
    const all = [...this.waiters.entries()];
    this.waiters.clear();
    this.pending.clear();
    for (const [, set] of all) {
      for (const waiter of set) {
        clearTimeout(waiter.timer);
        waiter.answer([]);
      }
    }
  }
}
