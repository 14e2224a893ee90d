// The default ChatStore: everything in memory, per channel and client, with bounded history and
// event lists and a bounded number of clients per channel, so that a long load test cannot exhaust
// memory.
import type { ChatState } from '../types.js';
import type { ChatStore, StatusUpdate, StatusUpdateResult, StoredDelivery, StoredEvent, StoredMessage } from './types.js';

export interface MemoryStoreLimits {
  /** Messages kept per client; the oldest go first. */
  maxMessagesPerClient: number;
  /** Events kept per client for /events; older ones are only in the history. */
  maxEventsPerClient: number;
  /** Clients kept per channel; the least recently active one is evicted when a new one comes. */
  maxClients: number;
}

export const DEFAULT_LIMITS: MemoryStoreLimits = { maxMessagesPerClient: 10_000, maxEventsPerClient: 1_000, maxClients: 10_000 };

interface ClientRecord {
  messages: StoredMessage[];
  /** BOT and OPERATOR messages by questionId (a client message shares its id with the bot's reply). */
  outgoing: Map<string, StoredMessage>;
  unread: number;
  sessionOpen: boolean;
  state?: ChatState;
  events: StoredEvent[];
  eventCursor?: number;
}

const isOutgoing = (message: StoredMessage) => message.author === 'BOT' || message.author === 'OPERATOR';

/** First index whose ts is >= ts (items sorted by ts). */
function lowerBound(items: readonly { ts: number }[], ts: number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (items[mid]!.ts < ts) low = mid + 1;
    else high = mid;
  }
  return low;
}

export class MemoryStore implements ChatStore {
  /**
   * Per channel, its clients in order of last activity (a Map keeps insertion order: a client that
   * acts is moved to the end), so the first one is the one to evict.
   */
  private readonly channels = new Map<string, Map<string, ClientRecord>>();
  private readonly latest = new Map<string, number>();
  private readonly deliveries = new Map<string, StoredDelivery>();
  private readonly limits: MemoryStoreLimits;

  constructor(limits: Partial<MemoryStoreLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  private get(token: string, clientId: string): ClientRecord | undefined {
    return this.channels.get(token)?.get(clientId);
  }

  /** The client's record, created if need be, and marked as the channel's most recently active. */
  private record(token: string, clientId: string): ClientRecord {
    let clients = this.channels.get(token);
    if (!clients) {
      clients = new Map();
      this.channels.set(token, clients);
    }
    let record = clients.get(clientId);
    if (record) {
      clients.delete(clientId);
    } else {
      record = { messages: [], outgoing: new Map(), unread: 0, sessionOpen: false, events: [] };
      if (clients.size >= this.limits.maxClients) {
        const oldest = clients.keys().next();
        if (!oldest.done) clients.delete(oldest.value);
      }
    }
    clients.set(clientId, record);
    return record;
  }

  private seen(token: string, ts: number): void {
    if (ts > (this.latest.get(token) ?? -1)) this.latest.set(token, ts);
  }

  /** Clients kept in the channel (for tests and diagnostics). */
  clientCount(token: string): number {
    return this.channels.get(token)?.size ?? 0;
  }

  appendMessage(token: string, clientId: string, message: StoredMessage): void {
    const record = this.record(token, clientId);
    this.seen(token, message.ts);
    record.messages.push(message);
    if (isOutgoing(message)) {
      record.outgoing.set(message.questionId, message);
      if (message.status !== 'READ') record.unread++;
    }
    // Trim in batches (a tenth of the limit) so that trimming costs O(1) per message on average.
    const { maxMessagesPerClient: max } = this.limits;
    if (record.messages.length > max + Math.ceil(max / 10)) {
      for (const dropped of record.messages.splice(0, record.messages.length - max)) {
        if (isOutgoing(dropped) && record.outgoing.get(dropped.questionId) === dropped) {
          record.outgoing.delete(dropped.questionId);
          if (dropped.status !== 'READ') record.unread--;
        }
      }
    }
  }

  listMessages(token: string, clientId: string, fromTs?: number, toTs?: number): StoredMessage[] {
    const messages = this.get(token, clientId)?.messages ?? [];
    const start = fromTs === undefined ? 0 : lowerBound(messages, fromTs);
    const end = toTs === undefined ? messages.length : lowerBound(messages, toTs);
    return messages.slice(start, Math.max(start, end));
  }

  hasClient(token: string, clientId: string): boolean {
    return (this.get(token, clientId)?.messages.length ?? 0) > 0;
  }

  findOutgoing(token: string, clientId: string, questionId: string): StoredMessage | undefined {
    return this.get(token, clientId)?.outgoing.get(questionId);
  }

  setStatuses(token: string, clientId: string, updates: readonly StatusUpdate[]): StatusUpdateResult {
    const record = this.get(token, clientId);
    if (!record || record.messages.length === 0) return { ok: false, reason: 'client' };
    // Check every id before changing anything: the batch is atomic.
    const targets: StoredMessage[] = [];
    for (const update of updates) {
      const message = record.outgoing.get(update.questionId);
      if (!message) return { ok: false, reason: 'message', questionId: update.questionId };
      targets.push(message);
    }
    updates.forEach((update, i) => {
      const message = targets[i]!;
      const wasUnread = message.status !== 'READ';
      message.status = update.status;
      record.unread += (message.status !== 'READ' ? 1 : 0) - (wasUnread ? 1 : 0);
    });
    return { ok: true, messages: targets };
  }

  unreadCount(token: string, clientId: string): number {
    return this.get(token, clientId)?.unread ?? 0;
  }

  beginTurn(token: string, clientId: string): boolean {
    const record = this.record(token, clientId);
    const newSession = !record.sessionOpen;
    record.sessionOpen = true;
    return newSession;
  }

  endTurn(token: string, clientId: string, endSession: boolean): void {
    if (endSession) this.record(token, clientId).sessionOpen = false;
  }

  saveState(token: string, clientId: string, state: ChatState): void {
    this.record(token, clientId).state = state;
  }

  loadState(token: string, clientId: string): ChatState | undefined {
    return this.get(token, clientId)?.state;
  }

  appendEvent(token: string, clientId: string, event: StoredEvent): void {
    const events = this.record(token, clientId).events;
    this.seen(token, event.ts);
    events.push(event);
    const { maxEventsPerClient: max } = this.limits;
    if (events.length > max + Math.ceil(max / 10)) events.splice(0, events.length - max);
  }

  eventsAfter(token: string, clientId: string, afterTs: number, accept: (event: StoredEvent) => boolean, limit: number): StoredEvent[] {
    const events = this.get(token, clientId)?.events;
    if (!events) return [];
    const found: StoredEvent[] = [];
    for (let i = lowerBound(events, afterTs + 1); i < events.length && found.length < limit; i++) {
      const event = events[i]!;
      if (accept(event)) found.push(event);
    }
    return found;
  }

  eventCursor(token: string, clientId: string): number | undefined {
    return this.get(token, clientId)?.eventCursor;
  }

  setEventCursor(token: string, clientId: string, ts: number): void {
    this.record(token, clientId).eventCursor = ts;
  }

  latestTimestamps(): Map<string, number> {
    return new Map(this.latest);
  }

  loadDeliveries(): StoredDelivery[] {
    return [...this.deliveries.values()].sort((a, b) => a.seq - b.seq);
  }

  saveDelivery(delivery: StoredDelivery): void {
    // The deliverer's own object: a later change to it is what a reload would see anyway.
    this.deliveries.set(delivery.id, delivery);
  }

  deleteDeliveries(ids: readonly string[]): void {
    for (const id of ids) this.deliveries.delete(id);
  }

  batch<T>(fn: () => T): T {
    // Every write is already in place when it returns: nothing to group.
    return fn();
  }

  clear(): void {
    this.channels.clear();
    this.latest.clear();
    this.deliveries.clear();
  }

  close(): void {
    // Nothing to release; the data stays readable, so a stub restarted in-process over the same
    // store (StubInternals.store) finds it.
  }
}
