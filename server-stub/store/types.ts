// The storage interface of the stub: every piece of state a conversation has — history, statuses,
// session, saved state, events and their cursor, who answers it (takeover), its pending reply
// timeout, its webhook deliveries, and the operator desk's view of the channel — lives behind it,
// so that a store shared by several processes (Redis) makes them one service.
//
// Asynchronous, because a shared store answers over the network. Writes are not made one by one:
// the chat service opens one unit of work per entry point (a request, a timer), reads what it needs,
// records its writes in the unit and commits them together — one commit per request for SQLite,
// one MULTI for Redis. The in-memory store resolves every call at once and applies a unit's writes
// in place, so its hot path costs a few resolved promises and no copies.
import type { ChatEvent, ChatResponse, ChatState, HistoryMessage, MessageStatus } from '../types.js';

/** One history message; `ts` (epoch ms, from the channel clock) orders and filters them. */
export type StoredMessage = HistoryMessage & { ts: number };

/** One published event, as kept for /events (always with its `ts`); `cid` is the connection whose request caused it. */
export type StoredEvent = ChatEvent & { ts: number; cid?: string };

export interface StatusUpdate {
  questionId: string;
  status: MessageStatus;
}

export type StatusUpdateResult =
  | { ok: true }
  | { ok: false; reason: 'client' }
  | { ok: false; reason: 'message'; questionId: string };

/** An operator (or the queue) holds the conversation; absent: the bot answers. */
export interface HeldConversation {
  handler: 'waiting' | 'operator';
  /** The phrases that end the operator's conversation (from the switch reply). */
  closeChatPhrases: string[];
  /** The switch reply's `firstMessage`. */
  firstMessage?: string;
  /** When the conversation left the bot (epoch ms). */
  since: number;
}

/** A reply timeout waiting for the client to stay silent. */
export interface PendingTimeout {
  /** Tells this timeout from a later one of the same client (a stale timer must not fire the new one). */
  id: string;
  token: string;
  clientId: string;
  /** When it fires (epoch ms). */
  dueAt: number;
  targetState: string;
}

/** What a turn needs to know about the conversation before it writes. */
export interface ConversationState {
  /** A session is open (the next turn does not start a new one). */
  sessionOpen: boolean;
  held?: HeldConversation;
  /** A reply timeout is pending (a client message cancels it). */
  timeoutPending?: boolean;
}

/** Per-channel settings the real service keeps in the channel's configuration. */
export interface ChannelSettings {
  webhookUrl: string | null;
  blockTextInputWithButtons: boolean;
}

export interface DeliveryAttempt {
  /** When the attempt started (ISO 8601, UTC). */
  at: string;
  statusCode?: number;
  error?: string;
  durationMs: number;
  /** The process that made it (with a shared store, the lane's holder). */
  by?: string;
}

/** A webhook delivery, kept by the store so that a pending one outlives a restart or its process. */
export interface StoredDelivery {
  id: string;
  /** Order of creation (per store): deliveries to a client go out in this order. */
  seq: number;
  token: string;
  /** The client the payload is for: deliveries are ordered per channel and client. */
  clientId: string;
  url: string;
  /** The questionIds of the envelopes, for filtering. */
  questionIds: string[];
  payload: ChatResponse[];
  state: 'pending' | 'delivered' | 'failed';
  attempts: DeliveryAttempt[];
  /** Index in `attempts` where the current round began (a replay starts a new round). */
  roundStart: number;
  /** Why the delivery failed without an attempt of its own. */
  error?: string;
}

export interface DeliveryFilter {
  token?: string;
  /** Only the deliveries to this client (the operator console shows the selected client's). */
  clientId?: string;
  questionId?: string;
  state?: StoredDelivery['state'];
}

/** One client of a channel as the operator desk lists it. */
export interface DeskClient {
  clientId: string;
  messageCount: number;
  lastMessage: StoredMessage | null;
  unreadCount: number;
  held?: HeldConversation;
}

/**
 * A claim on a client's webhook lane: while a process holds it, only that process sends the client's
 * deliveries (so they go out one at a time, in order). `ticket` is the store's own token of the work
 * notice that led to the claim (a Redis stream entry).
 */
export interface LaneClaim {
  token: string;
  clientId: string;
  ticket?: string;
}

/** What the store tells the process about: changes to wake long polls with, and webhook work. */
export interface StoreListener {
  /** A client's events changed (a long poll on it may have an answer). */
  events(token: string, clientId: string): void;
  /** A channel's operator desk changed (its version grew). */
  desk(token: string): void;
  /** A client's webhook lane has pending deliveries (claim it to send them). */
  deliveries(claim: LaneClaim): void;
}

/** One client of one channel as a key (for maps of lanes, timeouts, waiters, changed clients). */
export const clientKey = (token: string, clientId: string): string => `${token}\u0000${clientId}`;

/** A store's listener until `listen` is called: nothing is told. */
export const NO_LISTENER: StoreListener = { events: () => undefined, desk: () => undefined, deliveries: () => undefined };

/** The writes of one entry point, committed together. */
export interface StoreUnit {
  /** Appends a message (messages arrive in `ts` order); makes the client the channel's most recently active. */
  appendMessage(token: string, clientId: string, message: StoredMessage): void;
  /** Appends an event (events arrive in `ts` order). */
  appendEvent(token: string, clientId: string, event: StoredEvent): void;
  setSession(token: string, clientId: string, open: boolean): void;
  saveState(token: string, clientId: string, state: ChatState): void;
  /** Where the client's /events calls without `ts` go on from. */
  setEventCursor(token: string, clientId: string, ts: number): void;
  /** Who answers the client (`null`: the bot). */
  setHeld(token: string, clientId: string, held: HeldConversation | null): void;
  /** The client's pending reply timeout (`null`: none); it replaces any earlier one. */
  setTimeout(token: string, clientId: string, timeout: PendingTimeout | null): void;
  /** Lists the client on the channel's operator desk (first-seen order) and grows the channel's version. */
  touchDesk(token: string, clientId: string): void;
  /** Queues a delivery behind the client's others; `seq` is given by the store. */
  enqueueDelivery(delivery: Omit<StoredDelivery, 'seq'>): void;
  /** Commits every write above together; nothing is written if it fails. */
  commit(): Promise<void>;
}

export interface ChatStore {
  /** Which store this is, for the start-up summary and errors. */
  readonly kind: 'memory' | 'sqlite' | 'redis';
  /** The name a shared store knows this process by (on the lanes it holds, on its attempts). */
  readonly owner?: string;

  /** Starts telling `listener` about changes (the Redis store's also come from other processes). */
  listen(listener: StoreListener): void;

  /** Opens a unit of work: its writes are applied together by `commit()`. */
  unit(): StoreUnit;

  /**
   * `count` event times for the channel, each greater than any handed out before (by any process
   * sharing the store): max(now, last + 1), so that clients can page through events by `ts`.
   */
  timestamps(token: string, count: number): Promise<number[]>;

  conversation(token: string, clientId: string): Promise<ConversationState>;
  /** The channel's settings as changed through the control API (only what was changed). */
  channelSettings(token: string): Promise<Partial<ChannelSettings>>;
  updateChannelSettings(token: string, patch: Partial<ChannelSettings>): Promise<void>;

  /** Messages with fromTs <= ts < toTs, oldest first. */
  listMessages(token: string, clientId: string, fromTs?: number, toTs?: number): Promise<StoredMessage[]>;
  /** Whether any message was exchanged with the client. */
  hasClient(token: string, clientId: string): Promise<boolean>;
  /** The status of a message sent to the client (author BOT or OPERATOR), by its questionId. */
  outgoingStatus(token: string, clientId: string, questionId: string): Promise<MessageStatus | undefined>;
  /** Sets statuses of messages sent to the client, all or none (one unit); grows the desk's version when it did. */
  setStatuses(token: string, clientId: string, updates: readonly StatusUpdate[]): Promise<StatusUpdateResult>;
  /** Messages sent to the client that are not READ. */
  unreadCount(token: string, clientId: string): Promise<number>;
  loadState(token: string, clientId: string): Promise<ChatState | undefined>;

  /** Where the client's previous /events call stopped (for calls without `ts`). */
  eventCursor(token: string, clientId: string): Promise<number | undefined>;
  /**
   * Up to `limit` events with ts > afterTs that `accept` keeps, oldest first; `latestTs`: the ts of
   * the client's latest event (whatever its kind), or `afterTs` when there is none after it.
   */
  eventsAfter(token: string, clientId: string, afterTs: number, accept: (event: StoredEvent) => boolean, limit: number): Promise<{ events: StoredEvent[]; latestTs: number }>;

  /** The channel's clients in the order they first appeared on the desk, and the desk's version. */
  desk(token: string): Promise<{ version: number; clients: DeskClient[] }>;
  deskVersion(token: string): Promise<number>;
  /** Whether the client is on the channel's desk (kept, not evicted). */
  onDesk(token: string, clientId: string): Promise<boolean>;

  /** Removes and returns the client's pending timeout (only the one with `id`, when given): whoever gets it fires it. */
  takeTimeout(token: string, clientId: string, id?: string): Promise<PendingTimeout | undefined>;
  /** Pending timeouts due before `before` (epoch ms), oldest first, at most `limit`. */
  dueTimeouts(before: number, limit: number): Promise<PendingTimeout[]>;
  pendingTimeoutCount(): Promise<number>;

  /** Every delivery kept (pending, failed, the recently delivered), in `seq` order. */
  listDeliveries(filter?: DeliveryFilter): Promise<StoredDelivery[]>;
  /** Claims the client's lane; false when another holder has it. */
  claimLane(claim: LaneClaim): Promise<boolean>;
  /** Keeps a claim alive while its holder works (a shared store lets a claim lapse when its holder dies). */
  renewLane(claim: LaneClaim): Promise<boolean>;
  /** The first pending delivery of the lane (in seq order). */
  laneHead(claim: LaneClaim): Promise<StoredDelivery | undefined>;
  /** Records a delivery's attempts and state; a settled one leaves the lane, and a failed head takes those behind it along. */
  saveDelivery(delivery: StoredDelivery, settle?: { behindError: string }): Promise<void>;
  /** Lets the lane go when nothing is pending in it; false (still claimed) when more came meanwhile. */
  releaseLane(claim: LaneClaim): Promise<boolean>;
  /** Failed deliveries (`ids`, or every one of `token`, or every one) go back to pending, in seq order per client; returns them. */
  replayDeliveries(selection: { ids?: readonly string[]; token?: string }): Promise<StoredDelivery[]>;
  /** Lanes with pending deliveries no live process is working on (after a restart, or a process's death). */
  orphanedLanes(): Promise<LaneClaim[]>;

  /** Forgets everything. */
  clear(): Promise<void>;
  /** Releases the store (files, connections); nothing is called after it. */
  close(): Promise<void>;
}

/** The store cannot be reached (Redis went away): requests get the description's 503 until it is back. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}
