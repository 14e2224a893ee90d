// The ChatStore interface, run against every implementation (memory, SQLite, and Redis on a real
// redis-server): what a conversation keeps, units of work, the client cap with least-recently-active
// eviction taking everything of the client along (desk entry, takeover, timeout, deliveries), webhook
// lanes — and, for SQLite, everything read back after reopening the file. Then the cap through HTTP.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../server-stub/store/memory.js';
import { openRedisStore } from '../../server-stub/store/redis.js';
import { openSqliteStore, StoreOpenError } from '../../server-stub/store/sqlite.js';
import type { ChatStore, PendingTimeout, StoredDelivery, StoredEvent, StoredMessage } from '../../server-stub/store/types.js';
import type { ChatResponse } from '../../server-stub/types.js';
import { startTestStub, type TestStub } from './helpers.js';
import { startRedis, type RedisServer } from './redis-server.js';

let dir: string;
let redis: RedisServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chatapi-store-'));
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A reply as events carry it (the store keeps it as given). */
const reply = (questionId: string): ChatResponse => ({ token: 't', clientId: 'c', questionId, timestamp: '2026-01-01T00:00:00.000', data: { replies: [], answer: questionId } });

const message = (questionId: string, ts: number, author: StoredMessage['author'] = 'BOT'): StoredMessage => ({
  questionId,
  author,
  status: author === 'CLIENT' ? 'DELIVERED' : 'SENT',
  timestamp: new Date(ts).toISOString().slice(0, 23),
  ts,
  text: `text of ${questionId}`,
});

const delivery = (id: string, clientId = 'c'): Omit<StoredDelivery, 'seq'> => ({
  id,
  token: 't',
  clientId,
  url: 'http://127.0.0.1:1/hook',
  questionIds: [`q-${id}`],
  payload: [reply(`q-${id}`)],
  state: 'pending',
  attempts: [],
  roundStart: 0,
});

const opened: ChatStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

let runs = 0;
const implementations: [string, (maxClients: number) => Promise<ChatStore>][] = [
  ['memory', async (maxClients) => new MemoryStore({ maxClients })],
  ['sqlite', async (maxClients) => openSqliteStore(join(dir, `store-${runs++}.db`), { limits: { maxClients } })],
  ['redis', async (maxClients) => openRedisStore(redis.url, { tokens: ['t', 'u'], limits: { maxClients }, prefix: `test-${runs++}:` })],
];

/** Writes one unit. */
async function write(store: ChatStore, fill: (unit: ReturnType<ChatStore['unit']>) => void): Promise<void> {
  const unit = store.unit();
  fill(unit);
  await unit.commit();
}

describe.each(implementations)('the %s store', (_name, open) => {
  const use = async (maxClients = 100) => {
    const store = await open(maxClients);
    opened.push(store);
    return store;
  };

  it('keeps history, statuses, unread count, session, state, events and cursor per client', async () => {
    const store = await use();
    await write(store, (u) => {
      u.appendMessage('t', 'c', message('q1', 10, 'CLIENT'));
      u.appendMessage('t', 'c', message('q1', 11));
      u.appendMessage('t', 'c', message('q2', 12, 'OPERATOR'));
    });
    expect((await store.listMessages('t', 'c')).map((m) => [m.questionId, m.author])).toEqual([['q1', 'CLIENT'], ['q1', 'BOT'], ['q2', 'OPERATOR']]);
    expect((await store.listMessages('t', 'c', 11, 12)).map((m) => m.ts)).toEqual([11]);
    expect(await store.hasClient('t', 'c')).toBe(true);
    expect(await store.hasClient('t', 'other')).toBe(false);
    expect(await store.unreadCount('t', 'c')).toBe(2);
    expect(await store.setStatuses('t', 'c', [{ questionId: 'q1', status: 'READ' }, { questionId: 'nope', status: 'READ' }])).toEqual({ ok: false, reason: 'message', questionId: 'nope' });
    expect(await store.unreadCount('t', 'c')).toBe(2);
    expect(await store.setStatuses('t', 'c', [{ questionId: 'q1', status: 'READ' }])).toEqual({ ok: true });
    expect(await store.outgoingStatus('t', 'c', 'q1')).toBe('READ');
    expect((await store.listMessages('t', 'c')).map((m) => m.status)).toEqual(['DELIVERED', 'READ', 'SENT']);
    expect(await store.unreadCount('t', 'c')).toBe(1);
    expect(await store.setStatuses('t', 'nobody', [])).toEqual({ ok: false, reason: 'client' });
    const fresh = await store.conversation('t', 'c');
    expect([fresh.sessionOpen, fresh.held, fresh.timeoutPending]).toEqual([false, undefined, false]);
    await write(store, (u) => {
      u.setSession('t', 'c', true);
      u.saveState('t', 'c', { step: 2, nested: { a: [1] } });
    });
    expect((await store.conversation('t', 'c')).sessionOpen).toBe(true);
    expect(await store.loadState('t', 'c')).toEqual({ step: 2, nested: { a: [1] } });
    await write(store, (u) => {
      for (const ts of [20, 21, 22]) u.appendEvent('t', 'c', { type: ts === 21 ? 'operatorResponse' : 'botResponse', ts, cid: 'tab', event: reply(`q-${ts}`) });
    });
    expect((await store.eventsAfter('t', 'c', 20, () => true, 10)).events.map((e) => e.ts)).toEqual([21, 22]);
    expect(await store.eventsAfter('t', 'c', 0, (e) => e.type === 'operatorResponse', 10)).toEqual({ events: [{ type: 'operatorResponse', ts: 21, cid: 'tab', event: reply('q-21') }], latestTs: 22 });
    expect((await store.eventsAfter('t', 'c', 0, () => true, 2)).events).toHaveLength(2);
    expect(await store.eventsAfter('t', 'c', 22, () => true, 2)).toEqual({ events: [], latestTs: 22 });
    await write(store, (u) => u.setEventCursor('t', 'c', 21));
    expect(await store.eventCursor('t', 'c')).toBe(21);
  });

  it('hands out event times that strictly increase per channel', async () => {
    const store = await use();
    const times = [...(await store.timestamps('t', 3)), ...(await store.timestamps('t', 2))];
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]!);
    expect(Math.abs(times[0]! - Date.now())).toBeLessThan(60_000);
  });

  it('writes nothing of a unit that is not committed, and tells its listener what a commit changed', async () => {
    const store = await use();
    const told: string[] = [];
    store.listen({ events: (t, c) => told.push(`events ${t} ${c}`), desk: (t) => told.push(`desk ${t}`), deliveries: () => undefined });
    const unit = store.unit();
    unit.appendMessage('t', 'c', message('q', 1, 'CLIENT'));
    unit.appendEvent('t', 'c', { type: 'clientRequest', ts: 1, event: { clientId: 'c', questionId: 'q', timestamp: '2026-01-01T00:00:00.000', query: 'hi' } } as StoredEvent);
    unit.touchDesk('t', 'c');
    expect(await store.hasClient('t', 'c')).toBe(false);
    expect(told).toEqual([]);
    await unit.commit();
    expect(await store.hasClient('t', 'c')).toBe(true);
    expect(told.sort()).toEqual(['desk t', 'events t c']);
  });

  it('keeps who holds a conversation, its pending timeout, and the desk in first-seen order with a version', async () => {
    const store = await use();
    const timeout: PendingTimeout = { id: 'to-1', token: 't', clientId: 'b', dueAt: 1_000, targetState: '/Reminder' };
    await write(store, (u) => {
      u.appendMessage('t', 'b', message('q-b', 1, 'CLIENT'));
      u.touchDesk('t', 'b');
      u.appendMessage('t', 'a', message('q-a', 2));
      u.touchDesk('t', 'a');
      u.setHeld('t', 'b', { handler: 'waiting', closeChatPhrases: ['/close'], since: 5, firstMessage: 'help' });
      u.setTimeout('t', 'b', timeout);
    });
    const desk = await store.desk('t');
    expect(desk.clients.map((c) => [c.clientId, c.messageCount, c.unreadCount, c.lastMessage?.questionId, c.held?.handler])).toEqual([
      ['b', 1, 0, 'q-b', 'waiting'],
      ['a', 1, 1, 'q-a', undefined],
    ]);
    expect(desk.version).toBe(await store.deskVersion('t'));
    expect(await store.onDesk('t', 'a')).toBe(true);
    expect(await store.onDesk('t', 'z')).toBe(false);
    expect((await store.conversation('t', 'b')).held).toEqual({ handler: 'waiting', closeChatPhrases: ['/close'], since: 5, firstMessage: 'help' });
    expect(await store.pendingTimeoutCount()).toBe(1);
    expect((await store.conversation('t', 'b')).timeoutPending).toBe(true);
    expect(await store.dueTimeouts(500, 10)).toEqual([]);
    expect(await store.dueTimeouts(2_000, 10)).toEqual([timeout]);
    // Only the one who takes it fires it, and a stale id takes nothing.
    expect(await store.takeTimeout('t', 'b', 'another')).toBeUndefined();
    expect(await store.takeTimeout('t', 'b', 'to-1')).toEqual(timeout);
    expect(await store.takeTimeout('t', 'b')).toBeUndefined();
    expect(await store.pendingTimeoutCount()).toBe(0);
    await write(store, (u) => u.setHeld('t', 'b', null));
    expect((await store.conversation('t', 'b')).held).toBeUndefined();
    expect(await store.deskVersion('t')).toBeGreaterThan(desk.version - 1);
  });

  it('keeps at most maxClients per channel, evicting the least recently active with everything it had', async () => {
    const store = await use(3);
    for (const [n, clientId] of ['c1', 'c2', 'c3'].entries()) {
      await write(store, (u) => {
        u.appendMessage('t', clientId, message(`q-${clientId}`, n + 1));
        u.saveState('t', clientId, { clientId });
        u.appendEvent('t', clientId, { type: 'botResponse', ts: n + 1, event: reply(`q-${clientId}`) });
        u.touchDesk('t', clientId);
        u.setHeld('t', clientId, { handler: 'operator', closeChatPhrases: [], since: 1 });
        u.setTimeout('t', clientId, { id: `to-${clientId}`, token: 't', clientId, dueAt: 10, targetState: '/X' });
        u.enqueueDelivery(delivery(`d-${clientId}`, clientId));
      });
    }
    // Another channel has its own cap.
    await write(store, (u) => u.appendMessage('u', 'c1', message('q-u', 1)));
    // c1 is active again: c2 is now the least recently active.
    await write(store, (u) => u.setEventCursor('t', 'c1', 1));
    const before = await store.deskVersion('t');
    await write(store, (u) => u.appendMessage('t', 'c4', message('q-c4', 10)));
    expect(await store.hasClient('t', 'c2')).toBe(false);
    expect(await store.listMessages('t', 'c2')).toEqual([]);
    expect(await store.loadState('t', 'c2')).toBeUndefined();
    expect((await store.eventsAfter('t', 'c2', 0, () => true, 10)).events).toEqual([]);
    const evicted = await store.conversation('t', 'c2');
    expect([evicted.sessionOpen, evicted.held, evicted.timeoutPending ?? false]).toEqual([false, undefined, false]);
    expect(await store.onDesk('t', 'c2')).toBe(false);
    expect((await store.desk('t')).clients.map((c) => c.clientId)).toEqual(['c1', 'c3']);
    expect(await store.deskVersion('t')).toBeGreaterThan(before);
    expect((await store.dueTimeouts(100, 10)).map((t) => t.clientId).sort()).toEqual(['c1', 'c3']);
    expect((await store.listDeliveries()).map((d) => d.id)).toEqual(['d-c1', 'd-c3']);
    for (const kept of ['c1', 'c3', 'c4']) expect(await store.hasClient('t', kept)).toBe(true);
    expect(await store.loadState('t', 'c1')).toEqual({ clientId: 'c1' });
    expect(await store.hasClient('u', 'c1')).toBe(true);
    for (let n = 0; n < 30; n++) await write(store, (u) => u.appendMessage('t', `load-${n}`, message(`q-${n}`, 100 + n)));
    expect((await Promise.all(['load-27', 'load-28', 'load-29', 'load-26'].map((c) => store.hasClient('t', c))))).toEqual([true, true, true, false]);
  });

  it('sends a lane in seq order to one holder, fails the ones behind a failed head, replays them in order, and forgets everything on clear', async () => {
    const store = await use();
    const lanes: string[] = [];
    store.listen({ events: () => undefined, desk: () => undefined, deliveries: (claim) => lanes.push(claim.clientId) });
    await write(store, (u) => {
      u.enqueueDelivery(delivery('d1'));
      u.enqueueDelivery(delivery('d2'));
      u.enqueueDelivery(delivery('d3'));
    });
    // The lane is announced (through the stream for Redis: shortly).
    for (let i = 0; i < 100 && lanes.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lanes).toContain('c');
    const claim = { token: 't', clientId: 'c' };
    expect(await store.claimLane(claim)).toBe(true);
    expect(await store.claimLane(claim)).toBe(false);
    expect(await store.renewLane(claim)).toBe(true);
    const head = (await store.laneHead(claim))!;
    expect(head.id).toBe('d1');
    head.attempts.push({ at: '2026-01-01T00:00:00.000Z', statusCode: 200, durationMs: 1 });
    head.state = 'delivered';
    await store.saveDelivery(head, { behindError: 'behind' });
    const second = (await store.laneHead(claim))!;
    expect(second.id).toBe('d2');
    second.attempts.push({ at: '2026-01-01T00:00:00.000Z', error: 'ECONNREFUSED', durationMs: 1 });
    second.state = 'failed';
    await store.saveDelivery(second, { behindError: 'behind' });
    expect(await store.laneHead(claim)).toBeUndefined();
    expect((await store.listDeliveries()).map((d) => [d.id, d.state, d.error])).toEqual([
      ['d1', 'delivered', undefined],
      ['d2', 'failed', undefined],
      ['d3', 'failed', 'behind'],
    ]);
    expect((await store.listDeliveries({ state: 'failed', questionId: 'q-d3' })).map((d) => d.id)).toEqual(['d3']);
    expect(await store.releaseLane(claim)).toBe(true);
    expect((await store.replayDeliveries({ ids: ['d3', 'd2'] })).map((d) => d.id)).toEqual(['d2', 'd3']);
    expect(await store.claimLane(claim)).toBe(true);
    const replayed = (await store.laneHead(claim))!;
    expect([replayed.id, replayed.state, replayed.roundStart, replayed.error]).toEqual(['d2', 'pending', 1, undefined]);
    expect(await store.releaseLane(claim)).toBe(false); // still pending: not let go

    await store.clear();
    expect(await store.listDeliveries()).toEqual([]);
    expect(await store.hasClient('t', 'c')).toBe(false);
  });
});

describe('the SQLite store across a reopen', () => {
  it('reads back clients, history, statuses, state, events, cursor, clock, desk, takeovers, timeouts, deliveries and the activity order', async () => {
    const path = join(dir, 'reopen.db');
    const first = await openSqliteStore(path, { limits: { maxClients: 2 } });
    const [ts] = await first.timestamps('t', 1);
    await write(first, (u) => {
      u.appendMessage('t', 'old', message('q-old', 1));
      u.appendMessage('t', 'new', message('q-new', ts!));
      u.touchDesk('t', 'new');
      u.saveState('t', 'new', { kept: true });
      u.appendEvent('t', 'new', { type: 'operatorResponse', ts: ts!, event: reply('q-new') });
      u.setEventCursor('t', 'new', ts!);
      u.setHeld('t', 'new', { handler: 'operator', closeChatPhrases: [], since: 3 });
      u.setTimeout('t', 'new', { id: 'to', token: 't', clientId: 'new', dueAt: 99, targetState: '/X' });
      u.enqueueDelivery(delivery('d', 'new'));
    });
    await first.setStatuses('t', 'new', [{ questionId: 'q-new', status: 'READ' }]);
    await first.close();

    const second = await openSqliteStore(path, { limits: { maxClients: 2 } });
    opened.push(second);
    expect((await second.listMessages('t', 'new')).map((m) => [m.questionId, m.status])).toEqual([['q-new', 'READ']]);
    expect(await second.unreadCount('t', 'new')).toBe(0);
    expect(await second.loadState('t', 'new')).toEqual({ kept: true });
    expect((await second.eventsAfter('t', 'new', 0, () => true, 10)).events).toEqual([{ type: 'operatorResponse', ts, event: reply('q-new') }]);
    expect(await second.eventCursor('t', 'new')).toBe(ts);
    expect((await second.timestamps('t', 1))[0]).toBeGreaterThan(ts!);
    expect((await second.desk('t')).clients.map((c) => [c.clientId, c.held?.handler])).toEqual([['new', 'operator']]);
    expect((await second.dueTimeouts(100, 10)).map((t) => t.id)).toEqual(['to']);
    expect((await second.listDeliveries()).map((d) => d.id)).toEqual(['d']);
    expect(await second.orphanedLanes()).toEqual([{ token: 't', clientId: 'new' }]);
    expect(second.clientCount('t')).toBe(2);
    // The activity order survived: "old" is the one evicted.
    await write(second, (u) => u.appendMessage('t', 'third', message('q-3', ts! + 5)));
    expect(await second.hasClient('t', 'old')).toBe(false);
    expect(await second.hasClient('t', 'new')).toBe(true);
  });

  it('undoes a unit that fails as a whole, and goes on working after it', async () => {
    const store = await openSqliteStore(join(dir, 'unit.db'));
    opened.push(store);
    const unit = store.unit();
    unit.appendMessage('t', 'rolled', message('q-r', 1, 'CLIENT'));
    unit.saveState('t', 'rolled', { lost: true });
    // A circular value cannot be written: the unit fails at commit, and nothing of it stays.
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    unit.saveState('t', 'rolled', circular);
    await expect(unit.commit()).rejects.toThrow();
    expect(await store.hasClient('t', 'rolled')).toBe(false);
    expect(store.clientCount('t')).toBe(0);
    await write(store, (u) => u.saveState('t', 'rolled', { kept: true }));
    expect(await store.loadState('t', 'rolled')).toEqual({ kept: true });
  });

  it('says why a path cannot be used', async () => {
    await expect(openSqliteStore(join(dir, 'missing', 'x.db'))).rejects.toThrow(/CHATAPI_STORE: cannot use the SQLite database .*does not exist/);
    await expect(openSqliteStore(dir)).rejects.toThrow(/it is a directory/);
    const garbage = join(dir, 'garbage.db');
    await writeFile(garbage, 'this is not a database, just some text that is long enough to have a header '.repeat(20));
    await expect(openSqliteStore(garbage)).rejects.toThrow(StoreOpenError);
    await expect(openSqliteStore(garbage)).rejects.toThrow(/not a database/);
    const held = await openSqliteStore(join(dir, 'held.db'));
    opened.push(held);
    await expect(openSqliteStore(join(dir, 'held.db'))).rejects.toThrow(/another process/);
  });
});

describe('the client cap through HTTP', () => {
  let stub: TestStub;
  beforeAll(async () => {
    stub = await startTestStub({ maxClients: 3 });
  });
  afterAll(() => stub.close());

  it('evicts the least recently active client with its history, state, events and console entry', async () => {
    for (const clientId of ['h1', 'h2', 'h3']) {
      expect((await stub.api.send({ clientId, query: 'hello' })).status).toBe(200);
      expect((await stub.api.post(`/client/${clientId}/state`, { step: clientId })).status).toBe(200);
    }
    // h1 acts again; h2 becomes the least recently active and goes when h4 comes.
    expect((await stub.api.send({ clientId: 'h1', query: 'again' })).status).toBe(200);
    expect((await stub.api.send({ clientId: 'h4', query: 'hello' })).status).toBe(200);
    const evicted = await stub.api.history('h2');
    expect(evicted.status).toBe(200);
    expect(evicted.body.messages).toEqual([]);
    expect((await stub.api.get('/client/h2/state')).body).toEqual({});
    expect((await stub.api.events({ clientId: 'h2', all: true, ts: 0 })).body.events).toEqual([]);
    for (const kept of ['h1', 'h3', 'h4']) expect((await stub.api.history(kept)).body.messages.length).toBeGreaterThan(0);
    expect((await stub.api.get('/client/h1/state')).body).toEqual({ step: 'h1' });
    expect((stub.store as MemoryStore).clientCount(stub.tokens[0]!)).toBe(3);
    // The operator console lists the clients kept, not every client ever seen.
    const console = await fetch(`${stub.url}/_stub/channels/${stub.tokens[0]}/clients`).then((r) => r.json() as Promise<{ clients: { clientId: string }[] }>);
    expect(console.clients.map((c) => c.clientId)).toEqual(['h1', 'h3', 'h4']);
  });
});
