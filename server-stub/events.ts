// Events of a client's chat and long polling on them. Waiters are kept per channel and client and
// woken by publish (no polling loop); each holds exactly one timer, for its long-poll timeout.
import type { ChatStore, StoredEvent } from './store/types.js';
import { LongPolls } from './long-polls.js';
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

export function matches(filter: EventFilter, event: StoredEvent): boolean {
  if (!filter.all && event.type !== 'operatorResponse') return false;
  if (filter.cid !== undefined && event.cid === filter.cid) return false;
  return true;
}

export class EventBus {
  private readonly polls = new LongPolls();

  constructor(private readonly store: ChatStore) {}

  private key(token: string, clientId: string): string {
    return `${token}\u0000${clientId}`;
  }

  /** Stores the event and wakes the client's waiters. */
  publish(token: string, clientId: string, event: StoredEvent): void {
    this.store.appendEvent(token, clientId, event);
    this.polls.changed(this.key(token, clientId));
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
    return this.polls.hold(
      this.key(token, clientId),
      timeoutMs,
      () => {
        const events = this.query(token, clientId, filter);
        return events.length > 0 ? () => answer(events) : undefined;
      },
      // At the timeout not a bare []: an event published in this same timer pass has not been
      // offered to the poll yet, and answering [] would move the client's cursor past it for good.
      (reason) => answer(reason === 'timeout' ? this.query(token, clientId, filter) : []),
    );
  }

  /** How many long polls are held (for tests and diagnostics). */
  get waiting(): number {
    return this.polls.size;
  }

  /** Answers every held long poll with an empty list (shutdown, reset). */
  releaseAll(): void {
    this.polls.releaseAll();
  }
}
