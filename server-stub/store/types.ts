// The storage interface of the stub. Synchronous on purpose: the in-memory store and embedded stores
// (better-sqlite3, say) answer at once, and the hot path stays free of promise hops.
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
  | { ok: true; messages: StoredMessage[] }
  | { ok: false; reason: 'client' }
  | { ok: false; reason: 'message'; questionId: string };

export interface DeliveryAttempt {
  /** When the attempt started (ISO 8601, UTC). */
  at: string;
  statusCode?: number;
  error?: string;
  durationMs: number;
}

/** A webhook delivery, kept by the store so that a pending one outlives a restart. */
export interface StoredDelivery {
  id: string;
  /** Order of creation (per stub, across restarts): deliveries to a client go out in this order. */
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

export interface ChatStore {
  /** Appends a message (messages arrive in `ts` order). */
  appendMessage(token: string, clientId: string, message: StoredMessage): void;
  /** Messages with fromTs <= ts < toTs, oldest first. */
  listMessages(token: string, clientId: string, fromTs?: number, toTs?: number): StoredMessage[];
  /** Whether any message was exchanged with the client. */
  hasClient(token: string, clientId: string): boolean;
  /** A message sent to the client (author BOT or OPERATOR) by its questionId. */
  findOutgoing(token: string, clientId: string, questionId: string): StoredMessage | undefined;
  /** Sets statuses of messages sent to the client: all of them, or none when one is unknown. */
  setStatuses(token: string, clientId: string, updates: readonly StatusUpdate[]): StatusUpdateResult;
  /** Messages sent to the client that are not READ. */
  unreadCount(token: string, clientId: string): number;

  /** Marks the start of a bot turn; true when it opens a new session (first turn, or after endSession). */
  beginTurn(token: string, clientId: string): boolean;
  /** Records whether the bot ended the session with its reply. */
  endTurn(token: string, clientId: string, endSession: boolean): void;

  saveState(token: string, clientId: string, state: ChatState): void;
  loadState(token: string, clientId: string): ChatState | undefined;

  /** Appends an event (events arrive in `ts` order). */
  appendEvent(token: string, clientId: string, event: StoredEvent): void;
  /** Up to `limit` events with ts > afterTs that `accept` keeps, oldest first. */
  eventsAfter(token: string, clientId: string, afterTs: number, accept: (event: StoredEvent) => boolean, limit: number): StoredEvent[];
  /** Where the client's previous /events call stopped (for calls without `ts`). */
  eventCursor(token: string, clientId: string): number | undefined;
  setEventCursor(token: string, clientId: string, ts: number): void;

  /** The latest event time seen per channel, so that a clock started over the store never repeats one. */
  latestTimestamps(): Map<string, number>;

  /** Every delivery kept (pending, failed, recently delivered), in `seq` order. */
  loadDeliveries(): StoredDelivery[];
  /** Inserts or replaces a delivery. */
  saveDelivery(delivery: StoredDelivery): void;
  deleteDeliveries(ids: readonly string[]): void;

  /**
   * Runs `fn` as one unit: a persistent store commits its writes together when `fn` returns (and
   * drops them if it throws), so one request costs one commit, made before its answer is sent.
   */
  batch<T>(fn: () => T): T;

  /** Forgets everything. */
  clear(): void;
  /** Releases the store (files, handles); nothing is called after it. */
  close(): void;
}
