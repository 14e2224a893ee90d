// The ChatStore interface, run against both implementations (memory and SQLite): the client cap with
// least-recently-active eviction, and — for SQLite — everything read back after reopening the file.
// Then the cap through HTTP: a channel keeps at most maxClients clients.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../server-stub/store/memory.js';
import { openSqliteStore, StoreOpenError } from '../../server-stub/store/sqlite.js';
import type { ChatStore, StoredDelivery, StoredMessage } from '../../server-stub/store/types.js';
import type { ChatResponse } from '../../server-stub/types.js';
import { startTestStub, type TestStub } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chatapi-store-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

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

type Store = ChatStore & { clientCount(token: string): number };
const opened: Store[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

let files = 0;
const implementations: [string, (maxClients: number) => Promise<Store>][] = [
  ['memory', async (maxClients) => new MemoryStore({ maxClients })],
  ['sqlite', async (maxClients) => openSqliteStore(join(dir, `store-${files++}.db`), { maxClients })],
];

describe.each(implementations)('the %s store', (_name, open) => {
  const use = async (maxClients = 100) => {
    const store = await open(maxClients);
    opened.push(store);
    return store;
  };

  it('keeps history, statuses, unread count, session, state, events and cursor per client', async () => {
    const store = await use();
    store.appendMessage('t', 'c', message('q1', 10, 'CLIENT'));
    store.appendMessage('t', 'c', message('q1', 11));
    store.appendMessage('t', 'c', message('q2', 12, 'OPERATOR'));
    expect(store.listMessages('t', 'c').map((m) => [m.questionId, m.author])).toEqual([['q1', 'CLIENT'], ['q1', 'BOT'], ['q2', 'OPERATOR']]);
    expect(store.listMessages('t', 'c', 11, 12).map((m) => m.ts)).toEqual([11]);
    expect(store.hasClient('t', 'c')).toBe(true);
    expect(store.hasClient('t', 'other')).toBe(false);
    expect(store.unreadCount('t', 'c')).toBe(2);
    expect(store.setStatuses('t', 'c', [{ questionId: 'q1', status: 'READ' }, { questionId: 'nope', status: 'READ' }])).toEqual({ ok: false, reason: 'message', questionId: 'nope' });
    expect(store.unreadCount('t', 'c')).toBe(2);
    const set = store.setStatuses('t', 'c', [{ questionId: 'q1', status: 'READ' }]);
    expect(set.ok && set.messages[0]!.status).toBe('READ');
    expect(store.findOutgoing('t', 'c', 'q1')?.status).toBe('READ');
    expect(store.unreadCount('t', 'c')).toBe(1);
    expect(store.setStatuses('t', 'nobody', [])).toEqual({ ok: false, reason: 'client' });
    expect(store.beginTurn('t', 'c')).toBe(true);
    expect(store.beginTurn('t', 'c')).toBe(false);
    store.endTurn('t', 'c', true);
    expect(store.beginTurn('t', 'c')).toBe(true);
    store.saveState('t', 'c', { step: 2, nested: { a: [1] } });
    expect(store.loadState('t', 'c')).toEqual({ step: 2, nested: { a: [1] } });
    for (const ts of [20, 21, 22]) store.appendEvent('t', 'c', { type: ts === 21 ? 'operatorResponse' : 'botResponse', ts, cid: 'tab', event: reply(`q-${ts}`) });
    expect(store.eventsAfter('t', 'c', 20, () => true, 10).map((e) => e.ts)).toEqual([21, 22]);
    expect(store.eventsAfter('t', 'c', 0, (e) => e.type === 'operatorResponse', 10)).toEqual([{ type: 'operatorResponse', ts: 21, cid: 'tab', event: reply('q-21') }]);
    expect(store.eventsAfter('t', 'c', 0, () => true, 2)).toHaveLength(2);
    store.setEventCursor('t', 'c', 21);
    expect(store.eventCursor('t', 'c')).toBe(21);
    expect(store.latestTimestamps()).toEqual(new Map([['t', 22]]));
  });

  it('keeps at most maxClients per channel, evicting the least recently active with everything it had', async () => {
    const store = await use(3);
    for (const [n, clientId] of ['c1', 'c2', 'c3'].entries()) {
      store.appendMessage('t', clientId, message(`q-${clientId}`, n + 1));
      store.saveState('t', clientId, { clientId });
      store.appendEvent('t', clientId, { type: 'botResponse', ts: n + 1, event: reply(`q-${clientId}`) });
    }
    // Another channel has its own cap.
    store.appendMessage('u', 'c1', message('q-u', 1));
    // c1 is active again: c2 is now the least recently active.
    store.setEventCursor('t', 'c1', 1);
    store.appendMessage('t', 'c4', message('q-c4', 10));
    expect(store.clientCount('t')).toBe(3);
    expect(store.hasClient('t', 'c2')).toBe(false);
    expect(store.listMessages('t', 'c2')).toEqual([]);
    expect(store.loadState('t', 'c2')).toBeUndefined();
    expect(store.eventsAfter('t', 'c2', 0, () => true, 10)).toEqual([]);
    for (const kept of ['c1', 'c3', 'c4']) expect(store.hasClient('t', kept)).toBe(true);
    expect(store.loadState('t', 'c1')).toEqual({ clientId: 'c1' });
    expect(store.hasClient('u', 'c1')).toBe(true);
    for (let n = 0; n < 50; n++) store.appendMessage('t', `load-${n}`, message(`q-${n}`, 100 + n));
    expect(store.clientCount('t')).toBe(3);
  });

  it('keeps deliveries in seq order until deleted, and forgets everything on clear', async () => {
    const store = await use();
    const delivery = (seq: number): StoredDelivery => ({
      id: `d${seq}`,
      seq,
      token: 't',
      clientId: 'c',
      url: 'http://127.0.0.1:1/hook',
      questionIds: [`q${seq}`],
      payload: [],
      state: 'pending',
      attempts: [],
      roundStart: 0,
    });
    store.saveDelivery(delivery(2));
    store.saveDelivery(delivery(1));
    store.saveDelivery({ ...delivery(2), state: 'failed', attempts: [{ at: '2026-01-01T00:00:00.000Z', error: 'ECONNREFUSED', durationMs: 1 }] });
    expect(store.loadDeliveries().map((d) => [d.id, d.state])).toEqual([['d1', 'pending'], ['d2', 'failed']]);
    store.deleteDeliveries(['d1']);
    expect(store.loadDeliveries().map((d) => d.id)).toEqual(['d2']);
    store.appendMessage('t', 'c', message('q', 1));
    store.clear();
    expect(store.loadDeliveries()).toEqual([]);
    expect(store.hasClient('t', 'c')).toBe(false);
    expect(store.latestTimestamps().size).toBe(0);
  });
});

describe('the SQLite store across a reopen', () => {
  it('reads back clients, history, statuses, state, events, cursor, clock, deliveries and the activity order', async () => {
    const path = join(dir, 'reopen.db');
    const first = await openSqliteStore(path, { maxClients: 2 });
    first.appendMessage('t', 'old', message('q-old', 1));
    first.appendMessage('t', 'new', message('q-new', 2));
    first.setStatuses('t', 'new', [{ questionId: 'q-new', status: 'READ' }]);
    first.saveState('t', 'new', { kept: true });
    first.appendEvent('t', 'new', { type: 'operatorResponse', ts: 3, event: reply('q-new') });
    first.setEventCursor('t', 'new', 3);
    first.saveDelivery({ id: 'd', seq: 7, token: 't', clientId: 'new', url: 'http://127.0.0.1:1/', questionIds: ['q-new'], payload: [], state: 'pending', attempts: [], roundStart: 0 });
    first.close();

    const second = await openSqliteStore(path, { maxClients: 2 });
    opened.push(second);
    expect(second.listMessages('t', 'new').map((m) => [m.questionId, m.status])).toEqual([['q-new', 'READ']]);
    expect(second.unreadCount('t', 'new')).toBe(0);
    expect(second.loadState('t', 'new')).toEqual({ kept: true });
    expect(second.eventsAfter('t', 'new', 0, () => true, 10)).toEqual([{ type: 'operatorResponse', ts: 3, event: reply('q-new') }]);
    expect(second.eventCursor('t', 'new')).toBe(3);
    expect(second.latestTimestamps().get('t')).toBe(3);
    expect(second.loadDeliveries().map((d) => d.id)).toEqual(['d']);
    expect(second.clientCount('t')).toBe(2);
    // The activity order survived: "old" is the one evicted.
    second.appendMessage('t', 'third', message('q-3', 4));
    expect(second.hasClient('t', 'old')).toBe(false);
    expect(second.hasClient('t', 'new')).toBe(true);
  });

  it('undoes a batch that throws as a whole, and goes on working after it', async () => {
    const store = await openSqliteStore(join(dir, 'batch.db'));
    opened.push(store);
    expect(() =>
      store.batch(() => {
        store.appendMessage('t', 'rolled', message('q-r', 1, 'CLIENT'));
        store.saveState('t', 'rolled', { lost: true });
        throw new Error('the request failed');
      }),
    ).toThrow('the request failed');
    expect(store.hasClient('t', 'rolled')).toBe(false);
    expect(store.clientCount('t')).toBe(0);
    // The same client again: created anew, not mistaken for the one the rollback removed.
    store.batch(() => store.saveState('t', 'rolled', { kept: true }));
    expect(store.loadState('t', 'rolled')).toEqual({ kept: true });
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

  it('evicts the least recently active client with its history, state and events', async () => {
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
  });
});
