// A ChatStore in Redis (node-redis), chosen with CHATAPI_STORE=redis://HOST:PORT/DB: every stub on
// that database is one service. Conversations, statuses, state and unread counts are Redis hashes
// and sorted sets; each unit of work is one Lua script (atomic, one round trip); event times come
// from a script over Redis's clock, so they strictly increase per channel across stubs.
//
// Wake-ups cross processes through a stream per channel: every commit that adds events or changes
// the desk appends an entry, and each stub runs ONE blocking reader (its own connection, as blocking
// commands need) that wakes its local long polls — not a connection per waiter. Webhook deliveries
// are announced in a stream read by a consumer group: the stub that reads a notice claims the
// client's lane (a lease it renews), sends the lane's deliveries in order and acknowledges the
// notice when the lane is empty; when a stub dies its lease lapses and another takes its notice over
// with XAUTOCLAIM, sending the same deliveries with the same ids.
//
// Redis lost while running: calls fail at once (no offline queue) with StoreUnavailableError, which
// requests answer as the description's 503; node-redis reconnects by itself and the stub recovers.
//
// This module, and node-redis with it, is loaded only when the Redis store is chosen.
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createClient, ErrorReply } from 'redis';
import { ConfigError } from '../config.js';
import type { ChatState, MessageStatus } from '../types.js';
import { DEFAULT_DELIVERY_LIMITS, forgottenLine, matchesDelivery, reopen, replaySelection, type DeliveryLimits } from './local-deliveries.js';
import { DEFAULT_LIMITS, type StoreLimits } from './memory.js';
import { SCRIPTS, type ScriptName } from './redis-scripts.js';
import {
  clientKey,
  NO_LISTENER,
  StoreUnavailableError,
  type ChannelSettings,
  type ChatStore,
  type ConversationState,
  type DeliveryFilter,
  type DeskClient,
  type HeldConversation,
  type LaneClaim,
  type PendingTimeout,
  type StatusUpdate,
  type StatusUpdateResult,
  type StoreListener,
  type StoreUnit,
  type StoredDelivery,
  type StoredEvent,
  type StoredMessage,
} from './types.js';

/** Redis cannot be used at start-up: said in one line, naming the setting and the address. */
export class RedisOpenError extends ConfigError {
  override name = 'RedisOpenError';
}

export interface RedisStoreOptions {
  /** The channels served: the stub reads their event streams. */
  tokens: readonly string[];
  limits?: Partial<StoreLimits>;
  deliveries?: Partial<DeliveryLimits>;
  logError?: (line: string) => void;
  log?: (line: string) => void;
  /** Prefix of every key (tests use one per run). */
  prefix?: string;
  /** How long a lane's claim lasts unrenewed (its holder renews it about three times as often). */
  laneTtlMs?: number;
}

const GROUP = 'stubs';
type Reply = string | number | null | Reply[];

const enc = (token: string) => encodeURIComponent(token);
const isOutgoing = (author: string) => author === 'BOT' || author === 'OPERATOR';
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const SHAS = Object.fromEntries(Object.entries(SCRIPTS).map(([name, text]) => [name, sha1(text)])) as Record<ScriptName, string>;

/** The URL with any password hidden, for messages. */
function shown(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** A connection-level failure (not an answer of Redis's) means Redis is unreachable. */
function unavailable(error: unknown): Error {
  if (error instanceof ErrorReply) return error;
  return new StoreUnavailableError(`Redis is unreachable: ${(error as Error).message ?? String(error)}`);
}

function newClient(url: string, connected: () => boolean) {
  return createClient({
    url,
    RESP: 2,
    // Fail at once while Redis is away (requests get a 503), rather than queue until it is back.
    disableOfflineQueue: true,
    // A command waits behind the others of a busy stub (thousands of long polls waking at once):
    // node-redis 6's 5 s default would answer them 503 while Redis is there. 30 s, then 503.
    commandOptions: { timeout: 30_000 },
    socket: {
      connectTimeout: 2_000,
      // At start-up an unreachable Redis is an error (exit 1); later, keep trying to reconnect.
      reconnectStrategy: (retries, cause) =>
        connected() ? Math.min(50 * 2 ** retries, 1_000) : new RedisOpenError(`CHATAPI_STORE: cannot reach Redis at ${shown(url)}: ${cause.message}`),
    },
  });
}

type Client = ReturnType<typeof newClient>;

export async function openRedisStore(url: string, options: RedisStoreOptions): Promise<RedisStore> {
  let connected = false;
  const client = newClient(url, () => connected);
  const store = new RedisStore(client, options);
  client.on('error', (error: Error) => store.lost(error));
  client.on('ready', () => store.back());
  try {
    await client.connect();
    connected = true;
    await store.start();
  } catch (error) {
    client.destroy();
    // node-redis passes the reconnect strategy's error on as its own: keep its one line.
    const message = (error as Error).message;
    throw new RedisOpenError(message.startsWith('CHATAPI_STORE:') ? message : `CHATAPI_STORE: cannot use Redis at ${shown(url)}: ${message}`);
  }
  return store;
}

/** A unit's operations, sent as one COMMIT script. */
class RedisUnit implements StoreUnit {
  private readonly ops: string[] = [];
  private readonly events = new Map<string, [string, string]>();
  private readonly desks = new Set<string>();

  constructor(private readonly store: RedisStore) {}

  private op(code: string, token: string, clientId: string, ...args: string[]): void {
    this.ops.push(code, enc(token), clientId, ...args);
  }

  appendMessage(token: string, clientId: string, message: StoredMessage): void {
    this.op('msg', token, clientId, String(message.ts), JSON.stringify(message), message.questionId, isOutgoing(message.author) ? '1' : '0', message.status);
  }
  appendEvent(token: string, clientId: string, event: StoredEvent): void {
    this.op('ev', token, clientId, String(event.ts), JSON.stringify(event));
    this.events.set(clientKey(token, clientId), [token, clientId]);
  }
  setSession(token: string, clientId: string, open: boolean): void {
    this.op('sess', token, clientId, open ? '1' : '0');
  }
  saveState(token: string, clientId: string, state: ChatState): void {
    this.op('state', token, clientId, JSON.stringify(state));
  }
  setEventCursor(token: string, clientId: string, ts: number): void {
    this.op('cursor', token, clientId, String(ts));
  }
  setHeld(token: string, clientId: string, held: HeldConversation | null): void {
    this.op('held', token, clientId, held ? JSON.stringify(held) : '');
  }
  setTimeout(token: string, clientId: string, timeout: PendingTimeout | null): void {
    this.op('timeout', token, clientId, timeout ? JSON.stringify(timeout) : '', String(timeout?.dueAt ?? 0));
  }
  touchDesk(token: string, clientId: string): void {
    this.op('desk', token, clientId);
    this.desks.add(token);
  }
  enqueueDelivery(delivery: Omit<StoredDelivery, 'seq'>): void {
    this.op('delivery', delivery.token, delivery.clientId, delivery.id, JSON.stringify(delivery), delivery.token, delivery.clientId);
  }
  async commit(): Promise<void> {
    if (this.ops.length === 0) return;
    await this.store.commit(this.ops);
    // This process's own polls are woken now; other stubs by the stream entries the script added.
    this.store.tell(this.events.values(), this.desks);
  }
}

export class RedisStore implements ChatStore {
  readonly kind = 'redis';
  private readonly p: string;
  private readonly limits: StoreLimits;
  private readonly deliveryLimits: DeliveryLimits;
  /** This process's name in the consumer group and on the lanes it holds. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly laneTtlMs: number;
  private listener: StoreListener = NO_LISTENER;
  private readers: Client[] = [];
  private closed = false;
  private down = false;
  /** Connected once: a later failure is an outage (said once), not a start-up error. */
  private started = false;

  constructor(
    private readonly client: Client,
    private readonly options: RedisStoreOptions,
  ) {
    this.p = options.prefix ?? 'chatapi:';
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.deliveryLimits = { ...DEFAULT_DELIVERY_LIMITS, ...options.deliveries };
    this.laneTtlMs = options.laneTtlMs ?? 3_000;
  }

  /** The connection dropped: said once per outage. */
  lost(error: Error): void {
    if (this.closed || this.down || !this.started) return;
    this.down = true;
    this.options.logError?.(`chatapi stub: lost Redis (${error.message}); requests get 503 until it is back`);
  }

  back(): void {
    if (!this.down) return;
    this.down = false;
    this.options.logError?.('chatapi stub: Redis is back');
  }

  private key(kind: string, token: string, clientId: string): string {
    return `${this.p}${kind}:${enc(token)}:${clientId}`;
  }

  private send(args: string[]): Promise<Reply> {
    return this.client.sendCommand(args) as Promise<Reply>;
  }

  /** Runs a script by its SHA1, loading it when Redis does not have it (a restarted Redis has none). */
  async run(name: ScriptName, args: readonly string[]): Promise<Reply> {
    try {
      return await this.send(['EVALSHA', SHAS[name], '0', this.p, ...args]);
    } catch (error) {
      if (error instanceof ErrorReply && error.message.startsWith('NOSCRIPT')) return this.send(['EVAL', SCRIPTS[name], '0', this.p, ...args]);
      throw error;
    }
  }

  /** Every call goes through here: a connection failure becomes StoreUnavailableError (a 503). */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** Creates the consumer group and starts the readers (each on a connection of its own). */
  async start(): Promise<void> {
    this.started = true;
    await this.ensureGroup();
    const events = this.client.duplicate();
    const deliveries = this.client.duplicate();
    for (const reader of [events, deliveries]) reader.on('error', () => undefined);
    await Promise.all([events.connect(), deliveries.connect()]);
    this.readers = [events, deliveries];
    void this.readEvents(events);
    void this.readDeliveries(deliveries);
  }

  private async ensureGroup(): Promise<void> {
    try {
      await this.send(['XGROUP', 'CREATE', `${this.p}dx`, GROUP, '0', 'MKSTREAM']);
    } catch (error) {
      if (!(error instanceof ErrorReply && error.message.startsWith('BUSYGROUP'))) throw error;
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms).unref());
  }

  /** The one blocking reader of the channels' event streams: wakes this process's polls for other processes' changes. */
  private async readEvents(reader: Client): Promise<void> {
    const streams = this.options.tokens.map((token) => `${this.p}x:${enc(token)}`);
    const tokenOf = new Map(this.options.tokens.map((token) => [`${this.p}x:${enc(token)}`, token]));
    // Start after what is there now: what came before is in the store already.
    let ids = streams.map(() => '$');
    while (!this.closed) {
      try {
        if (ids.includes('$')) {
          const last = (await Promise.all(streams.map((s) => reader.sendCommand(['XREVRANGE', s, '+', '-', 'COUNT', '1'])))) as unknown as Reply[][];
          ids = last.map((entries) => ((entries[0] as Reply[] | undefined)?.[0] as string | undefined) ?? '0-0');
        }
        const reply = (await reader.sendCommand(['XREAD', 'COUNT', '1000', 'BLOCK', '2000', 'STREAMS', ...streams, ...ids])) as [string, [string, string[]][]][] | null;
        for (const [stream, entries] of reply ?? []) {
          const index = streams.indexOf(stream);
          const token = tokenOf.get(stream)!;
          for (const [id, fields] of entries) {
            ids[index] = id;
            const entry = fieldsOf(fields);
            if (entry.o === this.owner) continue; // this process woke its own polls at commit
            if (entry.c !== undefined) this.listener.events(token, entry.c);
            if (entry.d !== undefined) this.listener.desk(token);
          }
        }
      } catch {
        if (this.closed) return;
        // Redis is away (or was restarted, its streams gone): look again from what is there then.
        ids = streams.map(() => '$');
        await this.pause(500);
      }
    }
  }

  /** The deliveries' consumer: new notices, and notices of stubs that stopped renewing them (dead). */
  private async readDeliveries(reader: Client): Promise<void> {
    const stream = `${this.p}dx`;
    let lastClaim = 0;
    while (!this.closed) {
      try {
        if (Date.now() - lastClaim > this.laneTtlMs) {
          lastClaim = Date.now();
          // Idle longer than a lease: its holder stopped renewing it (it died, or was cut off).
          const claimed = (await reader.sendCommand(['XAUTOCLAIM', stream, GROUP, this.owner, String(this.laneTtlMs * 2), '0-0', 'COUNT', '100'])) as [string, ([string, string[]] | null)[]];
          for (const entry of claimed[1]) if (entry) this.notice(entry[0], entry[1]);
        }
        const reply = (await reader.sendCommand(['XREADGROUP', 'GROUP', GROUP, this.owner, 'COUNT', '100', 'BLOCK', '1000', 'STREAMS', stream, '>'])) as [string, [string, string[]][]][] | null;
        for (const [, entries] of reply ?? []) for (const [id, fields] of entries) this.notice(id, fields);
      } catch (error) {
        if (this.closed) return;
        // A Redis that came back empty has no group: make it again.
        if (error instanceof ErrorReply && error.message.startsWith('NOGROUP')) await this.ensureGroup().catch(() => undefined);
        else await this.pause(500);
      }
    }
  }

  private notice(ticket: string, fields: string[]): void {
    const entry = fieldsOf(fields);
    if (entry.t === undefined || entry.c === undefined) return;
    this.listener.deliveries({ token: entry.t, clientId: entry.c, ticket });
  }

  listen(listener: StoreListener): void {
    this.listener = listener;
  }

  unit(): StoreUnit {
    return new RedisUnit(this);
  }

  commit(ops: string[]): Promise<void> {
    const { maxMessagesPerClient, maxEventsPerClient, maxClients } = this.limits;
    return this.guard(async () => void (await this.run('COMMIT', [String(maxMessagesPerClient), String(maxEventsPerClient), String(maxClients), this.owner, ...ops])));
  }

  tell(events: Iterable<[string, string]>, desks: Iterable<string>): void {
    for (const [token, clientId] of events) this.listener.events(token, clientId);
    for (const token of desks) this.listener.desk(token);
  }

  timestamps(token: string, count: number): Promise<number[]> {
    return this.guard(async () => ((await this.run('CLOCK', [enc(token), String(count)])) as number[]).map(Number));
  }

  conversation(token: string, clientId: string): Promise<ConversationState> {
    return this.guard(async () => {
      const [sess, held, timeout] = (await this.send(['HMGET', this.key('c', token, clientId), 'sess', 'held', 'timeout'])) as (string | null)[];
      const state: ConversationState = { sessionOpen: sess === '1', timeoutPending: timeout !== null };
      if (held) state.held = JSON.parse(held) as HeldConversation;
      return state;
    });
  }

  channelSettings(token: string): Promise<Partial<ChannelSettings>> {
    return this.guard(async () => {
      const [webhookUrl, block] = (await this.send(['HMGET', `${this.p}ch:${enc(token)}`, 'webhookUrl', 'blockTextInputWithButtons'])) as (string | null)[];
      const settings: Partial<ChannelSettings> = {};
      if (webhookUrl !== null && webhookUrl !== undefined) settings.webhookUrl = JSON.parse(webhookUrl) as string | null;
      if (block !== null && block !== undefined) settings.blockTextInputWithButtons = block === '1';
      return settings;
    });
  }

  updateChannelSettings(token: string, patch: Partial<ChannelSettings>): Promise<void> {
    const fields: string[] = [];
    if (patch.webhookUrl !== undefined) fields.push('webhookUrl', JSON.stringify(patch.webhookUrl));
    if (patch.blockTextInputWithButtons !== undefined) fields.push('blockTextInputWithButtons', patch.blockTextInputWithButtons ? '1' : '0');
    if (fields.length === 0) return Promise.resolve();
    return this.guard(async () => void (await this.send(['HSET', `${this.p}ch:${enc(token)}`, ...fields])));
  }

  listMessages(token: string, clientId: string, fromTs?: number, toTs?: number): Promise<StoredMessage[]> {
    return this.guard(async () => {
      const [members, statuses] = await Promise.all([
        this.send(['ZRANGEBYSCORE', this.key('m', token, clientId), fromTs === undefined ? '-inf' : String(fromTs), toTs === undefined ? '+inf' : `(${toTs}`]) as Promise<string[]>,
        this.send(['HGETALL', this.key('s', token, clientId)]) as Promise<string[]>,
      ]);
      const statusOf = new Map<string, string>();
      for (let i = 0; i + 1 < statuses.length; i += 2) statusOf.set(statuses[i]!, statuses[i + 1]!);
      return members.map((text) => {
        const message = JSON.parse(text) as StoredMessage;
        if (isOutgoing(message.author)) message.status = (statusOf.get(message.questionId) as MessageStatus | undefined) ?? message.status;
        return message;
      });
    });
  }

  hasClient(token: string, clientId: string): Promise<boolean> {
    return this.guard(async () => Number((await this.send(['HGET', this.key('c', token, clientId), 'mcount'])) ?? 0) > 0);
  }

  outgoingStatus(token: string, clientId: string, questionId: string): Promise<MessageStatus | undefined> {
    return this.guard(async () => ((await this.send(['HGET', this.key('s', token, clientId), questionId])) as MessageStatus | null) ?? undefined);
  }

  setStatuses(token: string, clientId: string, updates: readonly StatusUpdate[]): Promise<StatusUpdateResult> {
    return this.guard(async () => {
      const result = (await this.run('STATUSES', [enc(token), clientId, this.owner, ...updates.flatMap((u) => [u.questionId, u.status])])) as string[];
      if (result[0] === 'client') return { ok: false, reason: 'client' };
      if (result[0] === 'message') return { ok: false, reason: 'message', questionId: result[1]! };
      this.listener.desk(token);
      return { ok: true };
    });
  }

  unreadCount(token: string, clientId: string): Promise<number> {
    return this.guard(async () => Number((await this.send(['HGET', this.key('c', token, clientId), 'unread'])) ?? 0));
  }

  loadState(token: string, clientId: string): Promise<ChatState | undefined> {
    return this.guard(async () => {
      const state = (await this.send(['HGET', this.key('c', token, clientId), 'state'])) as string | null;
      return state === null ? undefined : (JSON.parse(state) as ChatState);
    });
  }

  eventCursor(token: string, clientId: string): Promise<number | undefined> {
    return this.guard(async () => {
      const cursor = (await this.send(['HGET', this.key('c', token, clientId), 'cursor'])) as string | null;
      return cursor === null ? undefined : Number(cursor);
    });
  }

  eventsAfter(token: string, clientId: string, afterTs: number, accept: (event: StoredEvent) => boolean, limit: number): Promise<{ events: StoredEvent[]; latestTs: number }> {
    return this.guard(async () => {
      const key = this.key('e', token, clientId);
      const page = Math.max(limit, 100);
      const events: StoredEvent[] = [];
      let latestTs = afterTs;
      for (let offset = 0; events.length < limit; offset += page) {
        const [members, last] = await Promise.all([
          this.send(['ZRANGEBYSCORE', key, `(${afterTs}`, '+inf', 'LIMIT', String(offset), String(page)]) as Promise<string[]>,
          offset === 0 ? (this.send(['ZRANGE', key, '-1', '-1', 'WITHSCORES']) as Promise<string[]>) : Promise.resolve([]),
        ]);
        if (last[1] !== undefined) latestTs = Math.max(afterTs, Number(last[1]));
        for (const text of members) {
          const event = JSON.parse(text) as StoredEvent;
          if (accept(event)) events.push(event);
          if (events.length >= limit) break;
        }
        if (members.length < page) break;
      }
      return { events, latestTs };
    });
  }

  desk(token: string): Promise<{ version: number; clients: DeskClient[] }> {
    return this.guard(async () => {
      const [version, ...rows] = (await this.run('DESK', [enc(token)])) as string[];
      const clients: DeskClient[] = [];
      for (let i = 0; i + 5 < rows.length; i += 6) {
        const [clientId, messageCount, unread, held, last, status] = rows.slice(i, i + 6) as [string, string, string, string, string, string];
        const lastMessage = last === '' ? null : (JSON.parse(last) as StoredMessage);
        if (lastMessage && status !== '') lastMessage.status = status as MessageStatus;
        const client: DeskClient = { clientId, messageCount: Number(messageCount), lastMessage, unreadCount: Number(unread) };
        if (held !== '') client.held = JSON.parse(held) as HeldConversation;
        clients.push(client);
      }
      return { version: Number(version), clients };
    });
  }

  deskVersion(token: string): Promise<number> {
    return this.guard(async () => Number((await this.send(['HGET', `${this.p}ch:${enc(token)}`, 'version'])) ?? 0));
  }

  onDesk(token: string, clientId: string): Promise<boolean> {
    return this.guard(async () => (await this.send(['ZSCORE', `${this.p}desk:${enc(token)}`, clientId])) !== null);
  }

  takeTimeout(token: string, clientId: string, id?: string): Promise<PendingTimeout | undefined> {
    return this.guard(async () => {
      const json = (await this.run('TAKE_TIMEOUT', [enc(token), clientId, id ?? ''])) as string | null;
      return json === null ? undefined : (JSON.parse(json) as PendingTimeout);
    });
  }

  dueTimeouts(before: number, limit: number): Promise<PendingTimeout[]> {
    return this.guard(async () => {
      const members = (await this.send(['ZRANGEBYSCORE', `${this.p}timeouts`, '-inf', `(${before}`, 'LIMIT', '0', String(limit)])) as string[];
      const found = await Promise.all(
        members.map((member) => {
          const at = member.indexOf(':');
          return this.send(['HGET', `${this.p}c:${member.slice(0, at)}:${member.slice(at + 1)}`, 'timeout']) as Promise<string | null>;
        }),
      );
      return found.filter((json): json is string => json !== null).map((json) => JSON.parse(json) as PendingTimeout);
    });
  }

  pendingTimeoutCount(): Promise<number> {
    return this.guard(async () => Number(await this.send(['ZCARD', `${this.p}timeouts`])));
  }

  private async delivery(id: string): Promise<StoredDelivery | undefined> {
    const [json, seq] = (await this.send(['HMGET', `${this.p}d:${id}`, 'json', 'seq'])) as (string | null)[];
    return json ? { ...(JSON.parse(json) as StoredDelivery), seq: Number(seq) } : undefined;
  }

  listDeliveries(filter: DeliveryFilter = {}): Promise<StoredDelivery[]> {
    return this.guard(async () => {
      const ids = (await this.send(['ZRANGE', `${this.p}dall`, '0', '-1'])) as string[];
      const all = await Promise.all(ids.map((id) => this.delivery(id)));
      return all.filter((d): d is StoredDelivery => d !== undefined && matchesDelivery(filter, d));
    });
  }

  claimLane(claim: LaneClaim): Promise<boolean> {
    return this.guard(async () => (await this.run('CLAIM_LANE', [enc(claim.token), claim.clientId, this.owner, String(this.laneTtlMs), claim.ticket ?? ''])) === 1);
  }

  renewLane(claim: LaneClaim): Promise<boolean> {
    return this.guard(async () => (await this.run('RENEW_LANE', [enc(claim.token), claim.clientId, this.owner, String(this.laneTtlMs), claim.ticket ?? ''])) === 1);
  }

  laneHead(claim: LaneClaim): Promise<StoredDelivery | undefined> {
    return this.guard(async () => {
      const found = (await this.run('LANE_HEAD', [enc(claim.token), claim.clientId])) as (string | null)[] | null;
      return found?.[0] ? { ...(JSON.parse(found[0]) as StoredDelivery), seq: Number(found[1]) } : undefined;
    });
  }

  saveDelivery(delivery: StoredDelivery, settle?: { behindError: string }): Promise<void> {
    return this.guard(async () => {
      const behind: StoredDelivery[] = [];
      // A head that exhausted its attempts takes the lane's others along (they would arrive before it).
      if (settle && delivery.state === 'failed' && delivery.error === undefined) {
        const ids = (await this.send(['ZRANGE', this.key('dq', delivery.token, delivery.clientId), '0', '-1'])) as string[];
        for (const d of await Promise.all(ids.filter((id) => id !== delivery.id).map((id) => this.delivery(id)))) {
          if (d) behind.push({ ...d, state: 'failed', error: settle.behindError });
        }
      }
      let forgotten = 0;
      for (const d of [delivery, ...behind]) {
        const { seq: _seq, ...record } = d;
        const max = d.state === 'delivered' ? this.deliveryLimits.maxDelivered : this.deliveryLimits.maxFailed;
        const dropped = Number(await this.run('SAVE_DELIVERY', [enc(d.token), d.clientId, d.id, JSON.stringify(record), d.state, String(max)]));
        if (d.state === 'failed') forgotten += dropped;
      }
      if (forgotten > 0) this.options.logError?.(forgottenLine(forgotten, this.deliveryLimits.maxFailed));
    });
  }

  releaseLane(claim: LaneClaim): Promise<boolean> {
    return this.guard(async () => (await this.run('RELEASE_LANE', [enc(claim.token), claim.clientId, this.owner, claim.ticket ?? ''])) === 1);
  }

  replayDeliveries(selection: { ids?: readonly string[]; token?: string }): Promise<StoredDelivery[]> {
    return this.guard(async () => {
      const replayed = replaySelection(await this.listDeliveries({ token: selection.token, state: 'failed' }), selection);
      for (const delivery of replayed) {
        reopen(delivery);
        const { seq: _seq, ...record } = delivery;
        await this.run('REPLAY_DELIVERY', [enc(delivery.token), delivery.clientId, delivery.id, JSON.stringify(record), delivery.token, delivery.clientId]);
      }
      return replayed;
    });
  }

  orphanedLanes(): Promise<LaneClaim[]> {
    // Lanes whose holder died are found by the deliveries' consumer (XAUTOCLAIM), not here.
    return Promise.resolve([]);
  }

  clear(): Promise<void> {
    return this.guard(async () => {
      // Every key of the stub's, but the streams the readers follow (and the deliveries' group);
      // desk versions only grow, so that a console's `after` from before a reset is in the past.
      const versions = new Map<string, number>();
      let cursor = '0';
      do {
        const [next, keys] = (await this.send(['SCAN', cursor, 'MATCH', `${this.p}*`, 'COUNT', '1000'])) as [string, string[]];
        cursor = next;
        const doomed = keys.filter((key) => !key.startsWith(`${this.p}x:`) && key !== `${this.p}dx` && key !== `${this.p}dseq`);
        for (const key of doomed.filter((k) => k.startsWith(`${this.p}ch:`))) versions.set(key, Number((await this.send(['HGET', key, 'version'])) ?? 0));
        if (doomed.length > 0) await this.send(['UNLINK', ...doomed]);
      } while (cursor !== '0');
      await this.send(['XTRIM', `${this.p}dx`, 'MAXLEN', '0']);
      for (const [key, version] of versions) await this.send(['HSET', key, 'version', String(version + 1)]);
      for (const token of this.options.tokens) await this.send(['XADD', `${this.p}x:${enc(token)}`, 'MAXLEN', '~', '10000', '*', 'o', '', 'd', '1']);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const reader of this.readers) reader.destroy();
    await this.client.close().catch(() => this.client.destroy());
  }
}

/** A stream entry's flat field list as an object. */
function fieldsOf(fields: string[]): Record<string, string> {
  const entry: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) entry[fields[i]!] = fields[i + 1]!;
  return entry;
}
