// The default ChatStore: everything in memory, per channel and client, with bounded history and
// event lists and a bounded number of clients per channel, so that a long load test cannot exhaust
// memory. Every call resolves at once; a unit's writes are applied together at commit.
import type { ChatState, MessageStatus } from '../types.js';
import { ChannelClock } from '../clock.js';
import { DEFAULT_DELIVERY_LIMITS, forgottenLine, LocalDeliveries, type DeliveryLimits } from './local-deliveries.js';
import { LocalLanes } from './local-lanes.js';
import {
  clientKey,
  type ChannelSettings,
  type ChatStore,
  type ConversationState,
  type DeskClient,
  type HeldConversation,
  type PendingTimeout,
  type StatusUpdate,
  type StatusUpdateResult,
  type StoreUnit,
  type StoredDelivery,
  type StoredEvent,
  type StoredMessage,
} from './types.js';

export interface StoreLimits {
  /** Messages kept per client; the oldest go first. */
  maxMessagesPerClient: number;
  /** Events kept per client for /events; older ones are only in the history. */
  maxEventsPerClient: number;
  /** Clients kept per channel; the least recently active one is evicted when a new one comes. */
  maxClients: number;
}

export const DEFAULT_LIMITS: StoreLimits = { maxMessagesPerClient: 10_000, maxEventsPerClient: 1_000, maxClients: 10_000 };

export interface LocalStoreOptions {
  limits?: Partial<StoreLimits>;
  deliveries?: Partial<DeliveryLimits>;
  /** Where the store says what it dropped (failed deliveries over the limit). */
  logError?: (line: string) => void;
}

interface ClientRecord {
  messages: StoredMessage[];
  /** BOT and OPERATOR messages by questionId (a client message shares its id with the bot's reply). */
  outgoing: Map<string, StoredMessage>;
  unread: number;
  sessionOpen: boolean;
  state?: ChatState;
  events: StoredEvent[];
  eventCursor?: number;
  held?: HeldConversation;
  timeout?: PendingTimeout;
}

interface Channel {
  /** Clients in order of last activity (a Map keeps insertion order: one that acts moves to the end), so the first is the one to evict. */
  clients: Map<string, ClientRecord>;
  /** Clients on the operator desk, in the order they first appeared there. */
  desk: Set<string>;
  /** The client written last (the Map's last key): writing it again moves nothing. */
  latestClient?: ClientRecord;
  version: number;
  settings: Partial<ChannelSettings>;
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


/** The writes of a unit, applied in order at commit (closures: a few small allocations per request). */
class MemoryUnit implements StoreUnit {
  private readonly writes: (() => void)[] = [];

  constructor(private readonly store: MemoryStore) {}

  appendMessage(token: string, clientId: string, message: StoredMessage): void {
    this.writes.push(() => this.store.appendMessageNow(token, clientId, message));
  }
  appendEvent(token: string, clientId: string, event: StoredEvent): void {
    this.writes.push(() => this.store.appendEventNow(token, clientId, event));
  }
  setSession(token: string, clientId: string, open: boolean): void {
    this.writes.push(() => void (this.store.record(token, clientId).sessionOpen = open));
  }
  saveState(token: string, clientId: string, state: ChatState): void {
    this.writes.push(() => void (this.store.record(token, clientId).state = state));
  }
  setEventCursor(token: string, clientId: string, ts: number): void {
    this.writes.push(() => void (this.store.record(token, clientId).eventCursor = ts));
  }
  setHeld(token: string, clientId: string, held: HeldConversation | null): void {
    this.writes.push(() => {
      const record = this.store.record(token, clientId);
      if (held) record.held = held;
      else delete record.held;
    });
  }
  setTimeout(token: string, clientId: string, timeout: PendingTimeout | null): void {
    this.writes.push(() => this.store.setTimeoutNow(token, clientId, timeout));
  }
  touchDesk(token: string, clientId: string): void {
    this.writes.push(() => this.store.touchDeskNow(token, clientId));
  }
  enqueueDelivery(delivery: Omit<StoredDelivery, 'seq'>): void {
    this.writes.push(() => this.store.enqueueNow(delivery));
  }
  commit(): Promise<void> {
    for (const write of this.writes) write();
    this.writes.length = 0;
    return Promise.resolve();
  }
}

export class MemoryStore extends LocalLanes implements ChatStore {
  readonly kind: 'memory' | 'sqlite' = 'memory';
  private readonly channels = new Map<string, Channel>();
  private readonly timeouts = new Map<string, PendingTimeout>();
  /** Event times per channel: max(now, last + 1), so that two events of a channel never share one. */
  private readonly clock = new ChannelClock();
  protected readonly deliveries: LocalDeliveries;
  private readonly limits: StoreLimits;

  constructor(limits: Partial<StoreLimits> = {}, options: Omit<LocalStoreOptions, 'limits'> = {}) {
    super();
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.deliveries = new LocalDeliveries({ ...DEFAULT_DELIVERY_LIMITS, ...options.deliveries }, undefined, (count, max) =>
      options.logError?.(forgottenLine(count, max)),
    );
  }

  unit(): StoreUnit {
    return new MemoryUnit(this);
  }

  private channel(token: string): Channel {
    let channel = this.channels.get(token);
    if (!channel) this.channels.set(token, (channel = { clients: new Map(), desk: new Set(), version: 0, settings: {} }));
    return channel;
  }

  private get(token: string, clientId: string): ClientRecord | undefined {
    return this.channels.get(token)?.clients.get(clientId);
  }

  /** The client's record, created if need be, and marked as the channel's most recently active. */
  record(token: string, clientId: string): ClientRecord {
    const channel = this.channel(token);
    const { clients } = channel;
    // A request writes its client several times: it is the most recent already.
    if (channel.latestClient !== undefined && clients.get(clientId) === channel.latestClient) return channel.latestClient;
    let record = clients.get(clientId);
    if (record) {
      clients.delete(clientId);
    } else {
      record = { messages: [], outgoing: new Map(), unread: 0, sessionOpen: false, events: [] };
      if (clients.size >= this.limits.maxClients) {
        const oldest = clients.keys().next();
        if (!oldest.done) this.evict(token, oldest.value);
      }
    }
    clients.set(clientId, record);
    channel.latestClient = record;
    return record;
  }

  /** The client goes with everything it had: history, events, state, takeover, timeout, desk entry, deliveries. */
  private evict(token: string, clientId: string): void {
    const channel = this.channel(token);
    if (channel.latestClient === channel.clients.get(clientId)) channel.latestClient = undefined;
    channel.clients.delete(clientId);
    if (channel.desk.delete(clientId)) {
      channel.version++;
      this.listener.desk(token);
    }
    this.timeouts.delete(clientKey(token, clientId));
    this.deliveries.forgetClient(token, clientId);
  }

  /** Clients kept in the channel (for tests and diagnostics). */
  clientCount(token: string): number {
    return this.channels.get(token)?.clients.size ?? 0;
  }

  appendMessageNow(token: string, clientId: string, message: StoredMessage): void {
    const record = this.record(token, clientId);
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

  appendEventNow(token: string, clientId: string, event: StoredEvent): void {
    const events = this.record(token, clientId).events;
    events.push(event);
    const { maxEventsPerClient: max } = this.limits;
    if (events.length > max + Math.ceil(max / 10)) events.splice(0, events.length - max);
    this.listener.events(token, clientId);
  }

  setTimeoutNow(token: string, clientId: string, timeout: PendingTimeout | null): void {
    const record = this.record(token, clientId);
    const key = clientKey(token, clientId);
    if (timeout) {
      record.timeout = timeout;
      this.timeouts.set(key, timeout);
    } else {
      delete record.timeout;
      this.timeouts.delete(key);
    }
  }

  touchDeskNow(token: string, clientId: string): void {
    this.record(token, clientId);
    const channel = this.channel(token);
    channel.desk.add(clientId);
    channel.version++;
    this.listener.desk(token);
  }

  enqueueNow(fields: Omit<StoredDelivery, 'seq'>): void {
    this.record(fields.token, fields.clientId);
    this.deliveries.enqueue(fields);
    this.listener.deliveries({ token: fields.token, clientId: fields.clientId });
  }

  timestamps(token: string, count: number): Promise<number[]> {
    // A loop, not Array.from({ length }): this runs on every send.
    const times: number[] = [];
    for (let i = 0; i < count; i++) times.push(this.clock.next(token));
    return Promise.resolve(times);
  }

  conversation(token: string, clientId: string): Promise<ConversationState> {
    const record = this.get(token, clientId);
    return Promise.resolve(record ? { sessionOpen: record.sessionOpen, held: record.held, timeoutPending: record.timeout !== undefined } : { sessionOpen: false });
  }

  channelSettings(token: string): Promise<Partial<ChannelSettings>> {
    return Promise.resolve(this.channels.get(token)?.settings ?? {});
  }

  updateChannelSettings(token: string, patch: Partial<ChannelSettings>): Promise<void> {
    const channel = this.channel(token);
    channel.settings = { ...channel.settings, ...patch };
    return Promise.resolve();
  }

  listMessages(token: string, clientId: string, fromTs?: number, toTs?: number): Promise<StoredMessage[]> {
    const messages = this.get(token, clientId)?.messages ?? [];
    const start = fromTs === undefined ? 0 : lowerBound(messages, fromTs);
    const end = toTs === undefined ? messages.length : lowerBound(messages, toTs);
    return Promise.resolve(messages.slice(start, Math.max(start, end)));
  }

  hasClient(token: string, clientId: string): Promise<boolean> {
    return Promise.resolve((this.get(token, clientId)?.messages.length ?? 0) > 0);
  }

  outgoingStatus(token: string, clientId: string, questionId: string): Promise<MessageStatus | undefined> {
    return Promise.resolve(this.get(token, clientId)?.outgoing.get(questionId)?.status);
  }

  setStatuses(token: string, clientId: string, updates: readonly StatusUpdate[]): Promise<StatusUpdateResult> {
    const record = this.get(token, clientId);
    if (!record || record.messages.length === 0) return Promise.resolve({ ok: false, reason: 'client' });
    // Check every id before changing anything: the batch is atomic.
    const targets: StoredMessage[] = [];
    for (const update of updates) {
      const message = record.outgoing.get(update.questionId);
      if (!message) return Promise.resolve({ ok: false, reason: 'message', questionId: update.questionId });
      targets.push(message);
    }
    updates.forEach((update, i) => {
      const message = targets[i]!;
      const wasUnread = message.status !== 'READ';
      message.status = update.status;
      record.unread += (message.status !== 'READ' ? 1 : 0) - (wasUnread ? 1 : 0);
    });
    this.touchDeskNow(token, clientId);
    return Promise.resolve({ ok: true });
  }

  unreadCount(token: string, clientId: string): Promise<number> {
    return Promise.resolve(this.get(token, clientId)?.unread ?? 0);
  }

  loadState(token: string, clientId: string): Promise<ChatState | undefined> {
    return Promise.resolve(this.get(token, clientId)?.state);
  }

  eventCursor(token: string, clientId: string): Promise<number | undefined> {
    return Promise.resolve(this.get(token, clientId)?.eventCursor);
  }

  eventsAfter(token: string, clientId: string, afterTs: number, accept: (event: StoredEvent) => boolean, limit: number): Promise<{ events: StoredEvent[]; latestTs: number }> {
    const all = this.get(token, clientId)?.events ?? [];
    const events: StoredEvent[] = [];
    for (let i = lowerBound(all, afterTs + 1); i < all.length && events.length < limit; i++) {
      const event = all[i]!;
      if (accept(event)) events.push(event);
    }
    return Promise.resolve({ events, latestTs: Math.max(afterTs, all[all.length - 1]?.ts ?? afterTs) });
  }

  desk(token: string): Promise<{ version: number; clients: DeskClient[] }> {
    const channel = this.channels.get(token);
    if (!channel) return Promise.resolve({ version: 0, clients: [] });
    const clients: DeskClient[] = [];
    for (const clientId of channel.desk) {
      const record = channel.clients.get(clientId);
      if (!record) continue;
      clients.push({
        clientId,
        messageCount: record.messages.length,
        lastMessage: record.messages[record.messages.length - 1] ?? null,
        unreadCount: record.unread,
        held: record.held,
      });
    }
    return Promise.resolve({ version: channel.version, clients });
  }

  deskVersion(token: string): Promise<number> {
    return Promise.resolve(this.channels.get(token)?.version ?? 0);
  }

  onDesk(token: string, clientId: string): Promise<boolean> {
    return Promise.resolve(this.channels.get(token)?.desk.has(clientId) ?? false);
  }

  takeTimeout(token: string, clientId: string, id?: string): Promise<PendingTimeout | undefined> {
    const key = clientKey(token, clientId);
    const timeout = this.timeouts.get(key);
    if (!timeout || (id !== undefined && timeout.id !== id)) return Promise.resolve(undefined);
    this.timeouts.delete(key);
    const record = this.get(token, clientId);
    if (record) delete record.timeout;
    return Promise.resolve(timeout);
  }

  dueTimeouts(before: number, limit: number): Promise<PendingTimeout[]> {
    const due = [...this.timeouts.values()].filter((t) => t.dueAt < before).sort((a, b) => a.dueAt - b.dueAt);
    return Promise.resolve(due.slice(0, limit));
  }

  pendingTimeoutCount(): Promise<number> {
    return Promise.resolve(this.timeouts.size);
  }

  saveDelivery(delivery: StoredDelivery, settle?: { behindError: string }): Promise<void> {
    this.deliveries.save(delivery, settle);
    return Promise.resolve();
  }

  replayDeliveries(selection: { ids?: readonly string[]; token?: string }): Promise<StoredDelivery[]> {
    return Promise.resolve(this.announce(this.deliveries.replay(selection)));
  }

  clear(): Promise<void> {
    // Desk versions only grow, so that a console's `after` from before a reset is still in the past.
    for (const [token, channel] of this.channels) {
      this.channels.set(token, { clients: new Map(), desk: new Set(), version: channel.version + 1, settings: {} });
    }
    this.timeouts.clear();
    this.clock.reset();
    this.deliveries.clear();
    return Promise.resolve();
  }

  close(): Promise<void> {
    // Nothing to release; the data stays readable, so a stub restarted in-process over the same
    // store (StubInternals.store) finds it.
    return Promise.resolve();
  }
}
