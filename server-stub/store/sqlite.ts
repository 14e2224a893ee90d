// A ChatStore in one SQLite file (better-sqlite3, WAL), chosen with CHATAPI_STORE=sqlite:PATH: what
// the stub answered survives a restart and a kill -9. A unit's writes are one transaction, committed
// before the unit's commit() resolves, so before the response that depends on it is sent. The file
// is one process's (exclusive lock): event times come from a clock in this process, seeded from the
// file, and webhook lanes are claimed in this process.
//
// This module is imported only when the SQLite store is chosen (index.ts), and it loads
// better-sqlite3 itself with a dynamic import: the default start-up never pays for the native module.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { packageRoot } from '../../description/bundle.js';
import { ConfigError } from '../config.js';
import { ChannelClock } from '../clock.js';
import type { ChatState, MessageStatus } from '../types.js';
import { DEFAULT_DELIVERY_LIMITS, forgottenLine, LocalDeliveries } from './local-deliveries.js';
import { LocalLanes } from './local-lanes.js';
import { DEFAULT_LIMITS, type LocalStoreOptions, type StoreLimits } from './memory.js';
import {
  clientKey,
  type ChannelSettings,
  type ChatStore,
  type ConversationState,
  type DeskClient,
  type HeldConversation,
  type LaneClaim,
  type PendingTimeout,
  type StatusUpdate,
  type StatusUpdateResult,
  type StoreUnit,
  type StoredDelivery,
  type StoredEvent,
  type StoredMessage,
} from './types.js';

/** The SQLite file cannot be used: said in one line at start-up, naming the setting and the path. */
export class StoreOpenError extends ConfigError {
  override name = 'StoreOpenError';
}

const SCHEMA_VERSION = 2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS clients (
  token TEXT NOT NULL,
  client_id TEXT NOT NULL,
  active INTEGER NOT NULL,
  session_open INTEGER NOT NULL DEFAULT 0,
  state TEXT,
  event_cursor INTEGER,
  message_count INTEGER NOT NULL DEFAULT 0,
  event_count INTEGER NOT NULL DEFAULT 0,
  held TEXT,
  timeout TEXT,
  timeout_due INTEGER,
  desk_seq INTEGER,
  PRIMARY KEY (token, client_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS clients_by_activity ON clients (token, active);
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY,
  token TEXT NOT NULL,
  client_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  question_id TEXT NOT NULL,
  outgoing INTEGER NOT NULL,
  status TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_client ON messages (token, client_id, ts);
CREATE INDEX IF NOT EXISTS messages_by_question ON messages (token, client_id, question_id);
CREATE INDEX IF NOT EXISTS messages_unread ON messages (token, client_id) WHERE outgoing = 1 AND status <> 'READ';
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  token TEXT NOT NULL,
  client_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_client ON events (token, client_id, ts);
CREATE TABLE IF NOT EXISTS channel_clock (token TEXT PRIMARY KEY, latest INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, body TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS channels (token TEXT PRIMARY KEY, version INTEGER NOT NULL DEFAULT 0, settings TEXT) WITHOUT ROWID;
`;

/** Schema 1 (before the takeovers, timeouts, desk and channel settings were kept): the columns it lacks. */
const FROM_SCHEMA_1 = `
ALTER TABLE clients ADD COLUMN held TEXT;
ALTER TABLE clients ADD COLUMN timeout TEXT;
ALTER TABLE clients ADD COLUMN timeout_due INTEGER;
ALTER TABLE clients ADD COLUMN desk_seq INTEGER;
`;
const INDEXES = `
CREATE INDEX IF NOT EXISTS clients_on_desk ON clients (token, desk_seq) WHERE desk_seq IS NOT NULL;
CREATE INDEX IF NOT EXISTS clients_timeouts ON clients (timeout_due) WHERE timeout_due IS NOT NULL;
`;

type Db = BetterSqlite3.Database;

/**
 * better-sqlite3 is an optional peer of the package (a native module, needed only here): a project
 * that installed chatapi-contract without it is told how to add it, in one line.
 */
async function loadBetterSqlite3(fail: (why: string) => StoreOpenError): Promise<typeof BetterSqlite3> {
  try {
    return (await import('better-sqlite3')).default;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes("'better-sqlite3'")) {
      // The version the package asks for, from its own package.json.
      const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { peerDependencies?: Record<string, string> };
      const version = manifest.peerDependencies?.['better-sqlite3'];
      throw fail(`better-sqlite3 is not installed (the SQLite store needs it): npm install better-sqlite3${version ? `@${version}` : ''}`);
    }
    throw error;
  }
}

/** Opens (or creates) the file, or throws a StoreOpenError that says why it cannot be used. */
export async function openSqliteStore(path: string, options: LocalStoreOptions = {}): Promise<SqliteStore> {
  const fail = (why: string) => new StoreOpenError(`CHATAPI_STORE: cannot use the SQLite database ${path}: ${why}`);
  const directory = dirname(path);
  if (!existsSync(directory)) throw fail(`the directory ${directory} does not exist`);
  if (existsSync(path) && statSync(path).isDirectory()) throw fail('it is a directory');
  const Database = await loadBetterSqlite3(fail);
  let db: Db | undefined;
  try {
    // timeout 0: a file another stub holds is an error now, not a 5 s wait.
    db = new Database(path, { timeout: 0 });
    // EXCLUSIVE: one stub per file (two would hand out the same event times), and no -shm file.
    db.pragma('locking_mode = EXCLUSIVE');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`WAL mode is not available (journal_mode is ${String(mode)})`);
    // NORMAL in WAL mode: a commit is durable against a crash of the process (kill -9); only a crash
    // of the machine may lose the last commits. FULL would sync every commit to disk.
    db.pragma('synchronous = NORMAL');
    const version = db.exec(SCHEMA).prepare<[], { value: string }>(`SELECT value FROM meta WHERE key = 'schema'`).get();
    if (version === undefined) db.prepare(`INSERT INTO meta (key, value) VALUES ('schema', ?)`).run(String(SCHEMA_VERSION));
    else if (version.value === '1') db.transaction(() => db!.exec(FROM_SCHEMA_1).prepare(`UPDATE meta SET value = ? WHERE key = 'schema'`).run(String(SCHEMA_VERSION)))();
    else if (version.value !== String(SCHEMA_VERSION)) throw new Error(`it was written by another version of the stub (schema ${version.value}, expected ${SCHEMA_VERSION})`);
    db.exec(INDEXES);
    return new SqliteStore(db, options);
  } catch (error) {
    db?.close();
    if (error instanceof StoreOpenError) throw error;
    const e = error as Error & { code?: string };
    const why =
      e.code === 'SQLITE_BUSY'
        ? 'another process (another stub?) has it open'
        : /bindings file|\.node\b/.test(e.message)
          ? // npm 11 runs no install script it was not told to: the native module was never built.
            `better-sqlite3's native module is not built (run \`npm install-scripts approve better-sqlite3 && npm rebuild better-sqlite3\`): ${e.message}`
          : e.message;
    throw fail(why);
  }
}

interface ClientRow {
  session_open: number;
  state: string | null;
  event_cursor: number | null;
  message_count: number;
  held: string | null;
  timeout_due: number | null;
}

function prepareStatements(db: Db) {
  const prepare = <P extends unknown[], R = unknown>(sql: string) => db.prepare<P, R>(sql);
  return {
    touch: prepare<[number, string, string]>(`UPDATE clients SET active = ? WHERE token = ? AND client_id = ?`),
    insertClient: prepare<[string, string, number]>(`INSERT INTO clients (token, client_id, active) VALUES (?, ?, ?)`),
    oldestClient: prepare<[string], { client_id: string; desk_seq: number | null }>(`SELECT client_id, desk_seq FROM clients WHERE token = ? ORDER BY active LIMIT 1`),
    deleteClient: prepare<[string, string]>(`DELETE FROM clients WHERE token = ? AND client_id = ?`),
    deleteClientMessages: prepare<[string, string]>(`DELETE FROM messages WHERE token = ? AND client_id = ?`),
    deleteClientEvents: prepare<[string, string]>(`DELETE FROM events WHERE token = ? AND client_id = ?`),
    client: prepare<[string, string], ClientRow>(`SELECT session_open, state, event_cursor, message_count, held, timeout_due FROM clients WHERE token = ? AND client_id = ?`),
    insertMessage: prepare<[string, string, number, string, number, string, string]>(
      `INSERT INTO messages (token, client_id, ts, question_id, outgoing, status, body) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    countMessage: prepare<[string, string], { message_count: number }>(
      `UPDATE clients SET message_count = message_count + 1 WHERE token = ? AND client_id = ? RETURNING message_count`,
    ),
    trimMessages: prepare<[string, string, number]>(
      `DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE token = ? AND client_id = ? ORDER BY ts, id LIMIT ?)`,
    ),
    setMessageCount: prepare<[number, string, string]>(`UPDATE clients SET message_count = ? WHERE token = ? AND client_id = ?`),
    messagesBetween: prepare<[string, string, number, number], { status: string; body: string }>(
      `SELECT status, body FROM messages WHERE token = ? AND client_id = ? AND ts >= ? AND ts < ? ORDER BY ts, id`,
    ),
    lastMessage: prepare<[string, string], { status: string; body: string }>(`SELECT status, body FROM messages WHERE token = ? AND client_id = ? ORDER BY ts DESC, id DESC LIMIT 1`),
    outgoing: prepare<[string, string, string], { id: number; status: string; body: string }>(
      `SELECT id, status, body FROM messages WHERE token = ? AND client_id = ? AND question_id = ? AND outgoing = 1 ORDER BY id DESC LIMIT 1`,
    ),
    setStatus: prepare<[string, number]>(`UPDATE messages SET status = ? WHERE id = ?`),
    unread: prepare<[string, string], { n: number }>(`SELECT count(*) AS n FROM messages WHERE token = ? AND client_id = ? AND outgoing = 1 AND status <> 'READ'`),
    setSession: prepare<[number, string, string]>(`UPDATE clients SET session_open = ? WHERE token = ? AND client_id = ?`),
    setState: prepare<[string, string, string]>(`UPDATE clients SET state = ? WHERE token = ? AND client_id = ?`),
    setCursor: prepare<[number, string, string]>(`UPDATE clients SET event_cursor = ? WHERE token = ? AND client_id = ?`),
    setHeld: prepare<[string | null, string, string]>(`UPDATE clients SET held = ? WHERE token = ? AND client_id = ?`),
    setTimeout: prepare<[string | null, number | null, string, string]>(`UPDATE clients SET timeout = ?, timeout_due = ? WHERE token = ? AND client_id = ?`),
    timeoutOf: prepare<[string, string], { timeout: string | null }>(`SELECT timeout FROM clients WHERE token = ? AND client_id = ?`),
    dueTimeouts: prepare<[number, number], { timeout: string }>(`SELECT timeout FROM clients WHERE timeout_due IS NOT NULL AND timeout_due < ? ORDER BY timeout_due LIMIT ?`),
    timeoutCount: prepare<[], { n: number }>(`SELECT count(*) AS n FROM clients WHERE timeout_due IS NOT NULL`),
    putOnDesk: prepare<[number, string, string]>(`UPDATE clients SET desk_seq = coalesce(desk_seq, ?) WHERE token = ? AND client_id = ?`),
    onDesk: prepare<[string, string], { n: number }>(`SELECT count(*) AS n FROM clients WHERE token = ? AND client_id = ? AND desk_seq IS NOT NULL`),
    desk: prepare<[string], { client_id: string; message_count: number; held: string | null }>(
      `SELECT client_id, message_count, held FROM clients WHERE token = ? AND desk_seq IS NOT NULL ORDER BY desk_seq`,
    ),
    maxDeskSeq: prepare<[], { s: number | null }>(`SELECT max(desk_seq) AS s FROM clients`),
    growVersion: prepare<[string]>(`INSERT INTO channels (token, version) VALUES (?, 1) ON CONFLICT (token) DO UPDATE SET version = version + 1`),
    channel: prepare<[string], { version: number; settings: string | null }>(`SELECT version, settings FROM channels WHERE token = ?`),
    setSettings: prepare<[string, string]>(`INSERT INTO channels (token, settings) VALUES (?, ?) ON CONFLICT (token) DO UPDATE SET settings = excluded.settings`),
    insertEvent: prepare<[string, string, number, string]>(`INSERT INTO events (token, client_id, ts, body) VALUES (?, ?, ?, ?)`),
    countEvent: prepare<[string, string], { event_count: number }>(
      `UPDATE clients SET event_count = event_count + 1 WHERE token = ? AND client_id = ? RETURNING event_count`,
    ),
    trimEvents: prepare<[string, string, number]>(
      `DELETE FROM events WHERE id IN (SELECT id FROM events WHERE token = ? AND client_id = ? ORDER BY ts, id LIMIT ?)`,
    ),
    setEventCount: prepare<[number, string, string]>(`UPDATE clients SET event_count = ? WHERE token = ? AND client_id = ?`),
    eventsAfter: prepare<[string, string, number], { body: string }>(`SELECT body FROM events WHERE token = ? AND client_id = ? AND ts > ? ORDER BY ts, id`),
    latestEvent: prepare<[string, string], { ts: number | null }>(`SELECT max(ts) AS ts FROM events WHERE token = ? AND client_id = ?`),
    clock: prepare<[string, number]>(
      `INSERT INTO channel_clock (token, latest) VALUES (?, ?) ON CONFLICT (token) DO UPDATE SET latest = max(latest, excluded.latest)`,
    ),
    clocks: prepare<[], { token: string; latest: number }>(`SELECT token, latest FROM channel_clock`),
    deliveries: prepare<[], { body: string }>(`SELECT body FROM deliveries ORDER BY seq`),
    saveDelivery: prepare<[string, number, string]>(`INSERT OR REPLACE INTO deliveries (id, seq, body) VALUES (?, ?, ?)`),
    deleteDelivery: prepare<[string]>(`DELETE FROM deliveries WHERE id = ?`),
    clientsPerChannel: prepare<[], { token: string; n: number }>(`SELECT token, count(*) AS n FROM clients GROUP BY token`),
  };
}

type Statements = ReturnType<typeof prepareStatements>;


/** A unit's writes, run in one transaction at commit; what they change is told once it is committed. */
class SqliteUnit implements StoreUnit {
  private readonly writes: (() => void)[] = [];
  private readonly events = new Map<string, [string, string]>();
  private readonly desks = new Set<string>();
  private readonly lanes = new Map<string, LaneClaim>();

  constructor(
    private readonly store: SqliteStore,
    private readonly s: Statements,
  ) {}

  appendMessage(token: string, clientId: string, message: StoredMessage): void {
    this.writes.push(() => this.store.appendMessageNow(token, clientId, message));
  }
  appendEvent(token: string, clientId: string, event: StoredEvent): void {
    this.events.set(clientKey(token, clientId), [token, clientId]);
    this.writes.push(() => this.store.appendEventNow(token, clientId, event));
  }
  setSession(token: string, clientId: string, open: boolean): void {
    this.writes.push(() => this.store.write(token, clientId, () => this.s.setSession.run(open ? 1 : 0, token, clientId)));
  }
  saveState(token: string, clientId: string, state: ChatState): void {
    this.writes.push(() => this.store.write(token, clientId, () => this.s.setState.run(JSON.stringify(state), token, clientId)));
  }
  setEventCursor(token: string, clientId: string, ts: number): void {
    this.writes.push(() => this.store.write(token, clientId, () => this.s.setCursor.run(ts, token, clientId)));
  }
  setHeld(token: string, clientId: string, held: HeldConversation | null): void {
    this.writes.push(() => this.store.write(token, clientId, () => this.s.setHeld.run(held && JSON.stringify(held), token, clientId)));
  }
  setTimeout(token: string, clientId: string, timeout: PendingTimeout | null): void {
    this.writes.push(() => this.store.write(token, clientId, () => this.s.setTimeout.run(timeout && JSON.stringify(timeout), timeout?.dueAt ?? null, token, clientId)));
  }
  touchDesk(token: string, clientId: string): void {
    this.desks.add(token);
    this.writes.push(() => this.store.touchDeskNow(token, clientId));
  }
  enqueueDelivery(delivery: Omit<StoredDelivery, 'seq'>): void {
    this.lanes.set(clientKey(delivery.token, delivery.clientId), { token: delivery.token, clientId: delivery.clientId });
    this.writes.push(() => this.store.enqueueNow(delivery));
  }
  commit(): Promise<void> {
    try {
      this.store.inTransaction(this.writes);
    } catch (error) {
      return Promise.reject(error);
    }
    this.store.tell(this.events.values(), this.desks, this.lanes.values());
    return Promise.resolve();
  }
}

export class SqliteStore extends LocalLanes implements ChatStore {
  readonly kind = 'sqlite';
  /** Clients per channel, so that a new client knows without a query whether one must be evicted. */
  private readonly clientCounts = new Map<string, number>();
  /** Activity order: a counter (not the clock), so that two writes in one millisecond are ordered. */
  private activity: number;
  private deskSeq: number;
  private readonly s: Statements;
  private readonly limits: StoreLimits;
  private readonly clock: ChannelClock;
  protected readonly deliveries: LocalDeliveries;

  constructor(
    private readonly db: Db,
    options: LocalStoreOptions = {},
  ) {
    super();
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.s = prepareStatements(db);
    this.countClients();
    this.activity = db.prepare<[], { a: number | null }>(`SELECT max(active) AS a FROM clients`).get()?.a ?? 0;
    this.deskSeq = this.s.maxDeskSeq.get()?.s ?? 0;
    // The file is this process's alone: its clock goes on from the latest time the file has seen.
    this.clock = new ChannelClock(Date.now, new Map(this.s.clocks.all().map((row) => [row.token, row.latest])));
    this.deliveries = new LocalDeliveries(
      { ...DEFAULT_DELIVERY_LIMITS, ...options.deliveries },
      {
        save: (delivery) => this.s.saveDelivery.run(delivery.id, delivery.seq, JSON.stringify(delivery)),
        delete: (ids) => this.inTransaction(ids.map((id) => () => this.s.deleteDelivery.run(id))),
      },
      (count, max) => options.logError?.(forgottenLine(count, max)),
    );
    this.deliveries.load(this.s.deliveries.all().map((row) => JSON.parse(row.body) as StoredDelivery));
  }

  unit(): StoreUnit {
    return new SqliteUnit(this, this.s);
  }

  /** Runs the writes as one transaction (or as part of the one under way). */
  inTransaction(writes: readonly (() => void)[]): void {
    if (writes.length === 0) return;
    if (this.db.inTransaction) {
      for (const write of writes) write();
      return;
    }
    try {
      this.db.transaction(() => {
        for (const write of writes) write();
      })();
    } catch (error) {
      // Rolled back: the client touched last may not exist any more, nor the clients counted.
      this.lastTouched = undefined;
      this.countClients();
      throw error;
    }
  }

  /** Tells the listener what a committed unit changed. */
  tell(events: Iterable<[string, string]>, desks: Iterable<string>, lanes: Iterable<LaneClaim>): void {
    for (const [token, clientId] of events) this.listener.events(token, clientId);
    for (const token of desks) this.listener.desk(token);
    for (const lane of lanes) this.listener.deliveries(lane);
  }

  private countClients(): void {
    this.clientCounts.clear();
    for (const row of this.s.clientsPerChannel.all()) this.clientCounts.set(row.token, row.n);
  }

  /** The client touched last: touching it again changes nothing (a request writes several times). */
  private lastTouched: { token: string; clientId: string } | undefined;

  /** Marks the client as the channel's most recently active, creating it (and evicting the least recently active) if need be. */
  private touch(token: string, clientId: string): void {
    if (this.lastTouched?.token === token && this.lastTouched.clientId === clientId) return;
    this.lastTouched = { token, clientId };
    const active = ++this.activity;
    if (this.s.touch.run(active, token, clientId).changes > 0) return;
    const count = this.clientCounts.get(token) ?? 0;
    if (count >= this.limits.maxClients) {
      const oldest = this.s.oldestClient.get(token);
      if (oldest) this.evict(token, oldest.client_id, oldest.desk_seq !== null);
    }
    this.s.insertClient.run(token, clientId, active);
    this.clientCounts.set(token, (this.clientCounts.get(token) ?? 0) + 1);
  }

  /** The client goes with everything it had: history, events, state, takeover, timeout, desk entry, deliveries. */
  private evict(token: string, clientId: string, onDesk: boolean): void {
    if (this.lastTouched?.token === token && this.lastTouched.clientId === clientId) this.lastTouched = undefined;
    this.s.deleteClientMessages.run(token, clientId);
    this.s.deleteClientEvents.run(token, clientId);
    if (this.s.deleteClient.run(token, clientId).changes > 0) this.clientCounts.set(token, (this.clientCounts.get(token) ?? 1) - 1);
    this.deliveries.forgetClient(token, clientId);
    if (onDesk) {
      this.s.growVersion.run(token);
      this.listener.desk(token);
    }
  }

  /** Clients kept in the channel (for tests and diagnostics). */
  clientCount(token: string): number {
    return this.clientCounts.get(token) ?? 0;
  }

  /** One write to the client's row, which is created (and made the most recently active) first. */
  write(token: string, clientId: string, run: () => void): void {
    this.touch(token, clientId);
    run();
  }

  appendMessageNow(token: string, clientId: string, message: StoredMessage): void {
    this.touch(token, clientId);
    const { status, ...rest } = message;
    const outgoing = message.author === 'BOT' || message.author === 'OPERATOR' ? 1 : 0;
    this.s.insertMessage.run(token, clientId, message.ts, message.questionId, outgoing, status, JSON.stringify(rest));
    this.s.clock.run(token, message.ts);
    const count = this.s.countMessage.get(token, clientId)?.message_count ?? 0;
    // Trim in batches (a tenth of the limit), as the memory store does.
    const max = this.limits.maxMessagesPerClient;
    if (count > max + Math.ceil(max / 10)) {
      this.s.trimMessages.run(token, clientId, count - max);
      this.s.setMessageCount.run(max, token, clientId);
    }
  }

  appendEventNow(token: string, clientId: string, event: StoredEvent): void {
    this.touch(token, clientId);
    this.s.insertEvent.run(token, clientId, event.ts, JSON.stringify(event));
    this.s.clock.run(token, event.ts);
    const count = this.s.countEvent.get(token, clientId)?.event_count ?? 0;
    const max = this.limits.maxEventsPerClient;
    if (count > max + Math.ceil(max / 10)) {
      this.s.trimEvents.run(token, clientId, count - max);
      this.s.setEventCount.run(max, token, clientId);
    }
  }

  touchDeskNow(token: string, clientId: string): void {
    this.touch(token, clientId);
    this.s.putOnDesk.run(++this.deskSeq, token, clientId);
    this.s.growVersion.run(token);
  }

  enqueueNow(fields: Omit<StoredDelivery, 'seq'>): void {
    this.touch(fields.token, fields.clientId);
    this.deliveries.enqueue(fields);
  }

  private static message(row: { status: string; body: string }): StoredMessage {
    return { ...(JSON.parse(row.body) as object), status: row.status } as StoredMessage;
  }

  timestamps(token: string, count: number): Promise<number[]> {
    return Promise.resolve(Array.from({ length: count }, () => this.clock.next(token)));
  }

  conversation(token: string, clientId: string): Promise<ConversationState> {
    const row = this.s.client.get(token, clientId);
    const state: ConversationState = { sessionOpen: row?.session_open === 1, timeoutPending: (row?.timeout_due ?? null) !== null };
    if (row?.held) state.held = JSON.parse(row.held) as HeldConversation;
    return Promise.resolve(state);
  }

  channelSettings(token: string): Promise<Partial<ChannelSettings>> {
    const settings = this.s.channel.get(token)?.settings;
    return Promise.resolve(settings ? (JSON.parse(settings) as Partial<ChannelSettings>) : {});
  }

  async updateChannelSettings(token: string, patch: Partial<ChannelSettings>): Promise<void> {
    const settings = { ...(await this.channelSettings(token)), ...patch };
    this.s.setSettings.run(token, JSON.stringify(settings));
  }

  listMessages(token: string, clientId: string, fromTs?: number, toTs?: number): Promise<StoredMessage[]> {
    return Promise.resolve(this.s.messagesBetween.all(token, clientId, fromTs ?? Number.MIN_SAFE_INTEGER, toTs ?? Number.MAX_SAFE_INTEGER).map(SqliteStore.message));
  }

  hasClient(token: string, clientId: string): Promise<boolean> {
    return Promise.resolve((this.s.client.get(token, clientId)?.message_count ?? 0) > 0);
  }

  outgoingStatus(token: string, clientId: string, questionId: string): Promise<MessageStatus | undefined> {
    return Promise.resolve(this.s.outgoing.get(token, clientId, questionId)?.status as MessageStatus | undefined);
  }

  setStatuses(token: string, clientId: string, updates: readonly StatusUpdate[]): Promise<StatusUpdateResult> {
    let result: StatusUpdateResult = { ok: false, reason: 'client' };
    try {
      this.inTransaction([
        () => {
          if ((this.s.client.get(token, clientId)?.message_count ?? 0) === 0) return;
          // Check every id before changing anything: the batch is atomic.
          const rows: { id: number; status: string; body: string }[] = [];
          for (const update of updates) {
            const row = this.s.outgoing.get(token, clientId, update.questionId);
            if (!row) {
              result = { ok: false, reason: 'message', questionId: update.questionId };
              return;
            }
            rows.push(row);
          }
          updates.forEach((update, i) => this.s.setStatus.run(update.status, rows[i]!.id));
          this.touchDeskNow(token, clientId);
          result = { ok: true };
        },
      ]);
    } catch (error) {
      return Promise.reject(error);
    }
    if (result.ok) this.listener.desk(token);
    return Promise.resolve(result);
  }

  unreadCount(token: string, clientId: string): Promise<number> {
    return Promise.resolve(this.s.unread.get(token, clientId)?.n ?? 0);
  }

  loadState(token: string, clientId: string): Promise<ChatState | undefined> {
    const state = this.s.client.get(token, clientId)?.state;
    return Promise.resolve(state == null ? undefined : (JSON.parse(state) as ChatState));
  }

  eventCursor(token: string, clientId: string): Promise<number | undefined> {
    return Promise.resolve(this.s.client.get(token, clientId)?.event_cursor ?? undefined);
  }

  eventsAfter(token: string, clientId: string, afterTs: number, accept: (event: StoredEvent) => boolean, limit: number): Promise<{ events: StoredEvent[]; latestTs: number }> {
    const events: StoredEvent[] = [];
    if (limit > 0) {
      for (const row of this.s.eventsAfter.iterate(token, clientId, afterTs)) {
        const event = JSON.parse(row.body) as StoredEvent;
        if (!accept(event)) continue;
        events.push(event);
        if (events.length >= limit) break;
      }
    }
    return Promise.resolve({ events, latestTs: Math.max(afterTs, this.s.latestEvent.get(token, clientId)?.ts ?? afterTs) });
  }

  desk(token: string): Promise<{ version: number; clients: DeskClient[] }> {
    const clients = this.s.desk.all(token).map((row): DeskClient => {
      const last = this.s.lastMessage.get(token, row.client_id);
      const client: DeskClient = {
        clientId: row.client_id,
        messageCount: row.message_count,
        lastMessage: last ? SqliteStore.message(last) : null,
        unreadCount: this.s.unread.get(token, row.client_id)?.n ?? 0,
      };
      if (row.held) client.held = JSON.parse(row.held) as HeldConversation;
      return client;
    });
    return Promise.resolve({ version: this.s.channel.get(token)?.version ?? 0, clients });
  }

  deskVersion(token: string): Promise<number> {
    return Promise.resolve(this.s.channel.get(token)?.version ?? 0);
  }

  onDesk(token: string, clientId: string): Promise<boolean> {
    return Promise.resolve((this.s.onDesk.get(token, clientId)?.n ?? 0) > 0);
  }

  takeTimeout(token: string, clientId: string, id?: string): Promise<PendingTimeout | undefined> {
    const text = this.s.timeoutOf.get(token, clientId)?.timeout;
    const timeout = text ? (JSON.parse(text) as PendingTimeout) : undefined;
    if (!timeout || (id !== undefined && timeout.id !== id)) return Promise.resolve(undefined);
    this.s.setTimeout.run(null, null, token, clientId);
    return Promise.resolve(timeout);
  }

  dueTimeouts(before: number, limit: number): Promise<PendingTimeout[]> {
    return Promise.resolve(this.s.dueTimeouts.all(before, limit).map((row) => JSON.parse(row.timeout) as PendingTimeout));
  }

  pendingTimeoutCount(): Promise<number> {
    return Promise.resolve(this.s.timeoutCount.get()?.n ?? 0);
  }

  saveDelivery(delivery: StoredDelivery, settle?: { behindError: string }): Promise<void> {
    this.inTransaction([() => this.deliveries.save(delivery, settle)]);
    return Promise.resolve();
  }

  replayDeliveries(selection: { ids?: readonly string[]; token?: string }): Promise<StoredDelivery[]> {
    let replayed: StoredDelivery[] = [];
    this.inTransaction([() => (replayed = this.deliveries.replay(selection))]);
    return Promise.resolve(this.announce(replayed));
  }

  clear(): Promise<void> {
    // Desk versions only grow, so that a console's `after` from before a reset is still in the past.
    this.db.exec(
      `BEGIN; DELETE FROM clients; DELETE FROM messages; DELETE FROM events; DELETE FROM channel_clock; DELETE FROM deliveries; UPDATE channels SET version = version + 1, settings = NULL; COMMIT;`,
    );
    this.clientCounts.clear();
    this.lastTouched = undefined;
    this.clock.reset();
    this.deliveries.clear();
    return Promise.resolve();
  }

  close(): Promise<void> {
    // Checkpoints the WAL into the database file and removes it.
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}
