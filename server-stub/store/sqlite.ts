// A ChatStore in one SQLite file (better-sqlite3, WAL), chosen with CHATAPI_STORE=sqlite:PATH: what
// the stub answered survives a restart and a kill -9. Every method is one transaction, committed
// before the method returns, so before the response that depends on it is sent.
//
// This module is imported only when the SQLite store is chosen (index.ts), and it loads
// better-sqlite3 itself with a dynamic import: the default start-up never pays for the native module.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { packageRoot } from '../../description/bundle.js';
import { ConfigError } from '../config.js';
import type { ChatState } from '../types.js';
import { DEFAULT_LIMITS, type MemoryStoreLimits } from './memory.js';
import type { ChatStore, StatusUpdate, StatusUpdateResult, StoredDelivery, StoredEvent, StoredMessage } from './types.js';

/** The SQLite file cannot be used: said in one line at start-up, naming the setting and the path. */
export class StoreOpenError extends ConfigError {
  override name = 'StoreOpenError';
}

const SCHEMA_VERSION = 1;

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
export async function openSqliteStore(path: string, limits: Partial<MemoryStoreLimits> = {}): Promise<SqliteStore> {
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
    db.exec(SCHEMA);
    const version = db.prepare<[], { value: string }>(`SELECT value FROM meta WHERE key = 'schema'`).get();
    if (version === undefined) db.prepare(`INSERT INTO meta (key, value) VALUES ('schema', ?)`).run(String(SCHEMA_VERSION));
    else if (version.value !== String(SCHEMA_VERSION)) throw new Error(`it was written by another version of the stub (schema ${version.value}, expected ${SCHEMA_VERSION})`);
    return new SqliteStore(db, { ...DEFAULT_LIMITS, ...limits });
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
}

function prepareStatements(db: Db) {
  const prepare = <P extends unknown[], R = unknown>(sql: string) => db.prepare<P, R>(sql);
  return {
    touch: prepare<[number, string, string]>(`UPDATE clients SET active = ? WHERE token = ? AND client_id = ?`),
    insertClient: prepare<[string, string, number]>(`INSERT INTO clients (token, client_id, active) VALUES (?, ?, ?)`),
    oldestClient: prepare<[string], { client_id: string }>(`SELECT client_id FROM clients WHERE token = ? ORDER BY active LIMIT 1`),
    deleteClient: prepare<[string, string]>(`DELETE FROM clients WHERE token = ? AND client_id = ?`),
    deleteClientMessages: prepare<[string, string]>(`DELETE FROM messages WHERE token = ? AND client_id = ?`),
    deleteClientEvents: prepare<[string, string]>(`DELETE FROM events WHERE token = ? AND client_id = ?`),
    client: prepare<[string, string], ClientRow>(`SELECT session_open, state, event_cursor, message_count FROM clients WHERE token = ? AND client_id = ?`),
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
    outgoing: prepare<[string, string, string], { id: number; status: string; body: string }>(
      `SELECT id, status, body FROM messages WHERE token = ? AND client_id = ? AND question_id = ? AND outgoing = 1 ORDER BY id DESC LIMIT 1`,
    ),
    setStatus: prepare<[string, number]>(`UPDATE messages SET status = ? WHERE id = ?`),
    unread: prepare<[string, string], { n: number }>(`SELECT count(*) AS n FROM messages WHERE token = ? AND client_id = ? AND outgoing = 1 AND status <> 'READ'`),
    setSession: prepare<[number, string, string]>(`UPDATE clients SET session_open = ? WHERE token = ? AND client_id = ?`),
    setState: prepare<[string, string, string]>(`UPDATE clients SET state = ? WHERE token = ? AND client_id = ?`),
    setCursor: prepare<[number, string, string]>(`UPDATE clients SET event_cursor = ? WHERE token = ? AND client_id = ?`),
    insertEvent: prepare<[string, string, number, string]>(`INSERT INTO events (token, client_id, ts, body) VALUES (?, ?, ?, ?)`),
    countEvent: prepare<[string, string], { event_count: number }>(
      `UPDATE clients SET event_count = event_count + 1 WHERE token = ? AND client_id = ? RETURNING event_count`,
    ),
    trimEvents: prepare<[string, string, number]>(
      `DELETE FROM events WHERE id IN (SELECT id FROM events WHERE token = ? AND client_id = ? ORDER BY ts, id LIMIT ?)`,
    ),
    setEventCount: prepare<[number, string, string]>(`UPDATE clients SET event_count = ? WHERE token = ? AND client_id = ?`),
    eventsAfter: prepare<[string, string, number], { body: string }>(`SELECT body FROM events WHERE token = ? AND client_id = ? AND ts > ? ORDER BY ts, id`),
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

export class SqliteStore implements ChatStore {
  /** Clients per channel, so that a new client knows without a query whether one must be evicted. */
  private readonly clientCounts = new Map<string, number>();
  /** Activity order: a counter (not the clock), so that two writes in one millisecond are ordered. */
  private activity: number;
  private readonly s: Statements;

  constructor(
    private readonly db: Db,
    private readonly limits: MemoryStoreLimits,
  ) {
    this.s = prepareStatements(db);
    this.countClients();
    this.activity = db.prepare<[], { a: number | null }>(`SELECT max(active) AS a FROM clients`).get()?.a ?? 0;
  }

  /**
   * A better-sqlite3 transaction, built on first use (the methods below are class fields, set up
   * before the constructor has the database). Inside a batch it runs as part of the batch: a
   * savepoint would cost two statements per call and buy nothing, since a batch is undone whole.
   */
  private transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    let tx: ((...args: A) => R) | undefined;
    return (...args) => {
      if (this.db.inTransaction) return fn(...args);
      tx ??= this.db.transaction(fn) as unknown as (...args: A) => R;
      try {
        return tx(...args);
      } catch (error) {
        // Rolled back: the client touched last may not exist any more, nor the clients counted.
        this.lastTouched = undefined;
        this.countClients();
        throw error;
      }
    };
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
      if (oldest) this.evict(token, oldest.client_id);
    }
    this.s.insertClient.run(token, clientId, active);
    this.clientCounts.set(token, (this.clientCounts.get(token) ?? 0) + 1);
  }

  private evict(token: string, clientId: string): void {
    if (this.lastTouched?.token === token && this.lastTouched.clientId === clientId) this.lastTouched = undefined;
    this.s.deleteClientMessages.run(token, clientId);
    this.s.deleteClientEvents.run(token, clientId);
    if (this.s.deleteClient.run(token, clientId).changes > 0) this.clientCounts.set(token, (this.clientCounts.get(token) ?? 1) - 1);
  }

  /** Clients kept in the channel (for tests and diagnostics). */
  clientCount(token: string): number {
    return this.clientCounts.get(token) ?? 0;
  }

  private readonly appendMessageTx = this.transaction((token: string, clientId: string, message: StoredMessage) => {
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
  });

  appendMessage(token: string, clientId: string, message: StoredMessage): void {
    this.appendMessageTx(token, clientId, message);
  }

  private static message(row: { status: string; body: string }): StoredMessage {
    return { ...(JSON.parse(row.body) as object), status: row.status } as StoredMessage;
  }

  listMessages(token: string, clientId: string, fromTs?: number, toTs?: number): StoredMessage[] {
    return this.s.messagesBetween.all(token, clientId, fromTs ?? Number.MIN_SAFE_INTEGER, toTs ?? Number.MAX_SAFE_INTEGER).map(SqliteStore.message);
  }

  hasClient(token: string, clientId: string): boolean {
    return (this.s.client.get(token, clientId)?.message_count ?? 0) > 0;
  }

  findOutgoing(token: string, clientId: string, questionId: string): StoredMessage | undefined {
    const row = this.s.outgoing.get(token, clientId, questionId);
    return row && SqliteStore.message(row);
  }

  private readonly setStatusesTx = this.transaction((token: string, clientId: string, updates: readonly StatusUpdate[]): StatusUpdateResult => {
    if (!this.hasClient(token, clientId)) return { ok: false, reason: 'client' };
    // Check every id before changing anything: the batch is atomic.
    const rows: { id: number; status: string; body: string }[] = [];
    for (const update of updates) {
      const row = this.s.outgoing.get(token, clientId, update.questionId);
      if (!row) return { ok: false, reason: 'message', questionId: update.questionId };
      rows.push(row);
    }
    const messages = updates.map((update, i) => {
      const row = rows[i]!;
      this.s.setStatus.run(update.status, row.id);
      return SqliteStore.message({ ...row, status: update.status });
    });
    return { ok: true, messages };
  });

  setStatuses(token: string, clientId: string, updates: readonly StatusUpdate[]): StatusUpdateResult {
    return this.setStatusesTx(token, clientId, updates);
  }

  unreadCount(token: string, clientId: string): number {
    return this.s.unread.get(token, clientId)?.n ?? 0;
  }

  private readonly beginTurnTx = this.transaction((token: string, clientId: string): boolean => {
    this.touch(token, clientId);
    const open = this.s.client.get(token, clientId)?.session_open === 1;
    if (!open) this.s.setSession.run(1, token, clientId);
    return !open;
  });

  beginTurn(token: string, clientId: string): boolean {
    return this.beginTurnTx(token, clientId);
  }

  endTurn(token: string, clientId: string, endSession: boolean): void {
    if (endSession) this.s.setSession.run(0, token, clientId);
  }

  private readonly saveStateTx = this.transaction((token: string, clientId: string, state: ChatState) => {
    this.touch(token, clientId);
    this.s.setState.run(JSON.stringify(state), token, clientId);
  });

  saveState(token: string, clientId: string, state: ChatState): void {
    this.saveStateTx(token, clientId, state);
  }

  loadState(token: string, clientId: string): ChatState | undefined {
    const state = this.s.client.get(token, clientId)?.state;
    return state == null ? undefined : (JSON.parse(state) as ChatState);
  }

  private readonly appendEventTx = this.transaction((token: string, clientId: string, event: StoredEvent) => {
    this.touch(token, clientId);
    this.s.insertEvent.run(token, clientId, event.ts, JSON.stringify(event));
    this.s.clock.run(token, event.ts);
    const count = this.s.countEvent.get(token, clientId)?.event_count ?? 0;
    const max = this.limits.maxEventsPerClient;
    if (count > max + Math.ceil(max / 10)) {
      this.s.trimEvents.run(token, clientId, count - max);
      this.s.setEventCount.run(max, token, clientId);
    }
  });

  appendEvent(token: string, clientId: string, event: StoredEvent): void {
    this.appendEventTx(token, clientId, event);
  }

  eventsAfter(token: string, clientId: string, afterTs: number, accept: (event: StoredEvent) => boolean, limit: number): StoredEvent[] {
    const found: StoredEvent[] = [];
    if (limit <= 0) return found;
    for (const row of this.s.eventsAfter.iterate(token, clientId, afterTs)) {
      const event = JSON.parse(row.body) as StoredEvent;
      if (!accept(event)) continue;
      found.push(event);
      if (found.length >= limit) break;
    }
    return found;
  }

  eventCursor(token: string, clientId: string): number | undefined {
    return this.s.client.get(token, clientId)?.event_cursor ?? undefined;
  }

  private readonly setCursorTx = this.transaction((token: string, clientId: string, ts: number) => {
    this.touch(token, clientId);
    this.s.setCursor.run(ts, token, clientId);
  });

  setEventCursor(token: string, clientId: string, ts: number): void {
    this.setCursorTx(token, clientId, ts);
  }

  latestTimestamps(): Map<string, number> {
    return new Map(this.s.clocks.all().map((row) => [row.token, row.latest]));
  }

  loadDeliveries(): StoredDelivery[] {
    return this.s.deliveries.all().map((row) => JSON.parse(row.body) as StoredDelivery);
  }

  saveDelivery(delivery: StoredDelivery): void {
    this.s.saveDelivery.run(delivery.id, delivery.seq, JSON.stringify(delivery));
  }

  private readonly deleteDeliveriesTx = this.transaction((ids: readonly string[]) => {
    for (const id of ids) this.s.deleteDelivery.run(id);
  });

  deleteDeliveries(ids: readonly string[]): void {
    if (ids.length > 0) this.deleteDeliveriesTx(ids);
  }

  private readonly batchTx = this.transaction((fn: () => unknown) => fn());

  batch<T>(fn: () => T): T {
    // The methods' own transactions become savepoints inside this one.
    return this.batchTx(fn) as T;
  }

  clear(): void {
    this.db.exec(`BEGIN; DELETE FROM clients; DELETE FROM messages; DELETE FROM events; DELETE FROM channel_clock; DELETE FROM deliveries; COMMIT;`);
    this.clientCounts.clear();
    this.lastTouched = undefined;
  }

  close(): void {
    // Checkpoints the WAL into the database file and removes it.
    if (this.db.open) this.db.close();
  }
}
