// Events of a client's chat and long polling on them. Waiters are kept per channel and client and
// woken when the store says the client's events changed (its own writes, or, with a shared store,
// another process's); each holds exactly one timer, for its long-poll timeout.
import { clientKey, type ChatStore, type StoredEvent } from './store/types.js';
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

/** What a look at a client's events found: the matching ones, and the ts of its latest event of any kind. */
export interface EventsFound {
  events: StoredEvent[];
  latestTs: number;
  /** The poll was let go (a reset, a shutdown): nothing was looked at. */
  released?: boolean;
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

  /** The client's events changed: its waiters look again. */
  changed(token: string, clientId: string): void {
    this.polls.changed(clientKey(token, clientId));
  }

  /** Events that match the filter now, oldest first, at most 250. */
  query(token: string, clientId: string, filter: EventFilter): Promise<EventsFound> {
    return this.store.eventsAfter(token, clientId, filter.afterTs, (event) => matches(filter, event), MAX_EVENTS_PER_RESPONSE);
  }

  /**
   * The matching events as soon as there are some; after `timeoutMs` whatever matches then (often
   * nothing); nothing at a release (shutdown, reset). `signal`: the client went away.
   */
  wait(token: string, clientId: string, filter: EventFilter, timeoutMs: number, signal?: AbortSignal): Promise<EventsFound> {
    if (timeoutMs === 0) return this.query(token, clientId, filter);
    return this.polls.wait(
      clientKey(token, clientId),
      timeoutMs,
      async () => {
        const found = await this.query(token, clientId, filter);
        return found.events.length > 0 ? found : undefined;
      },
      // At the timeout not a bare []: an event published in this same timer pass has not been
      // offered to the poll yet, and answering [] would move the client's cursor past it for good.
      (reason) => (reason === 'timeout' ? this.query(token, clientId, filter) : { events: [], latestTs: filter.afterTs, released: true }),
      signal,
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
