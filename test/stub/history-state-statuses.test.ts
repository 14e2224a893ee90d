// History, saved state, message statuses and the unread count, through HTTP.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectError, expectSchema, sleep, startTestStub, type TestStub } from './helpers.js';

let stub: TestStub;
beforeAll(async () => {
  stub = await startTestStub();
});
afterAll(() => stub.close());
beforeEach(async () => {
  await stub.api.reset();
});

type Message = { questionId: string; author: string; status: string; timestamp: string; ts: number; text?: string; event?: string; eventData?: unknown; replies?: unknown[] };

describe('history', () => {
  it('lists client, bot and operator messages in order, with their statuses', async () => {
    const query = await stub.api.send({ clientId: 'h1', query: 'hello' });
    const event = await stub.api.send({ clientId: 'h1', event: 'chatOpened', data: { page: '/pricing' } });
    const operator = await stub.api.operatorReply('h1', { text: 'Operator here.' });
    const { status, body } = await stub.api.history('h1');
    expect(status).toBe(200);
    expectSchema('HistoryResponse', body);
    expect(body.clientId).toBe('h1');
    expect(body.totalCount).toBe(5);
    const messages = body.messages as Message[];
    expect(messages.map((m) => [m.author, m.status, m.questionId])).toEqual([
      ['CLIENT', 'DELIVERED', query.body.questionId],
      ['BOT', 'SENT', query.body.questionId],
      ['CLIENT', 'DELIVERED', event.body.questionId],
      ['BOT', 'SENT', event.body.questionId],
      ['OPERATOR', 'SENT', operator.body.questionId],
    ]);
    expect(messages[0]).toMatchObject({ text: 'hello' });
    expect(messages[1]).toMatchObject({ text: 'Hello, tester.', replies: query.body.data.replies, timestamp: query.body.timestamp });
    expect(messages[2]).toMatchObject({ event: 'chatOpened', eventData: { page: '/pricing' } });
    expect(messages[2]).not.toHaveProperty('text');
    for (let i = 1; i < messages.length; i++) expect(messages[i]!.ts).toBeGreaterThan(messages[i - 1]!.ts);
  });

  it('filters by period: fromTimestamp inclusive, toTimestamp exclusive', async () => {
    await stub.api.send({ clientId: 'h2', query: 'hello' });
    await sleep(5);
    await stub.api.send({ clientId: 'h2', query: 'two texts' });
    const all = (await stub.api.history('h2')).body.messages as Message[];
    expect(all).toHaveLength(4);
    const from = all[2]!.ts;
    const later = (await stub.api.history('h2', { fromTimestamp: from })).body;
    expect(later.totalCount).toBe(2);
    expect(later.messages[0].ts).toBe(from);
    const earlier = (await stub.api.history('h2', { toTimestamp: from })).body;
    expect(earlier.messages.map((m: Message) => m.ts)).toEqual([all[0]!.ts, all[1]!.ts]);
    const window = (await stub.api.history('h2', { fromTimestamp: all[1]!.ts, toTimestamp: all[3]!.ts })).body;
    expect(window.messages.map((m: Message) => m.ts)).toEqual([all[1]!.ts, all[2]!.ts]);
    expect((await stub.api.history('h2', { fromTimestamp: all[3]!.ts + 1 })).body.totalCount).toBe(0);
  });

  it('is empty for a client that never wrote', async () => {
    const { status, body } = await stub.api.history('nobody');
    expect(status).toBe(200);
    expect(body).toEqual({ clientId: 'nobody', totalCount: 0, messages: [] });
  });

  it('shows status changes', async () => {
    const sent = await stub.api.send({ clientId: 'h3', query: 'hello' });
    await stub.api.post(`/client/h3/message/${sent.body.questionId}/status`, { status: 'READ' });
    const messages = (await stub.api.history('h3')).body.messages as Message[];
    expect(messages.map((m) => m.status)).toEqual(['DELIVERED', 'READ']);
  });
});

describe('state', () => {
  it('returns {} before anything is saved', async () => {
    const { status, body } = await stub.api.get('/client/s1/state');
    expect(status).toBe(200);
    expect(body).toEqual({});
  });

  it('returns exactly what was saved, and the last save wins', async () => {
    const state = { open: true, draft: 'Привет 👋', nested: { list: [1, 'two', null, { deep: [true, 1.5] }] }, empty: {}, n: -0.001 };
    const saved = await stub.api.post('/client/s2/state', state);
    expect(saved.status).toBe(200);
    expectSchema('StateSaved', saved.body);
    expect(saved.body.clientId).toBe('s2');
    expect(saved.body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/);
    const loaded = await stub.api.get('/client/s2/state');
    expect(loaded.body).toEqual(state);
    expect(loaded.text).toBe(JSON.stringify(state));
    await stub.api.post('/client/s2/state', { replaced: 1 });
    expect((await stub.api.get('/client/s2/state')).body).toEqual({ replaced: 1 });
    // Another client's state is its own.
    expect((await stub.api.get('/client/s3/state')).body).toEqual({});
  });

  it('publishes a widgetStateChange event', async () => {
    const saved = await stub.api.post('/client/s4/state', { page: 2 });
    const events = await stub.api.events({ clientId: 's4', all: true, ts: 0 });
    expect(events.body.events).toEqual([
      { type: 'widgetStateChange', ts: expect.any(Number), event: { clientId: 's4', timestamp: saved.body.timestamp, state: { page: 2 } } },
    ]);
  });
});

describe('statuses', () => {
  it('messages to the client start as SENT and can be moved one by one', async () => {
    const sent = await stub.api.send({ clientId: 'st1', query: 'hello' });
    const path = `/client/st1/message/${sent.body.questionId}/status`;
    const initial = await stub.api.get(path);
    expect(initial.status).toBe(200);
    expectSchema('MessageStatusInfo', initial.body);
    expect(initial.body).toEqual({ questionId: sent.body.questionId, status: 'SENT' });
    for (const status of ['DELIVERED', 'READ', 'NOT_SENT', 'NOT_DELIVERED', 'SENT']) {
      const changed = await stub.api.post(path, { status });
      expect(changed.status).toBe(200);
      expect(changed.body).toEqual({ questionId: sent.body.questionId, status });
      expect((await stub.api.get(path)).body.status).toBe(status);
    }
  });

  it('operator messages have statuses too', async () => {
    const injected = await stub.api.operatorReply('st2', { text: 'hi' });
    const changed = await stub.api.post(`/client/st2/message/${injected.body.questionId}/status`, { status: 'DELIVERED' });
    expect(changed.body).toEqual({ questionId: injected.body.questionId, status: 'DELIVERED' });
  });

  it('changes a batch, in order', async () => {
    const a = await stub.api.send({ clientId: 'st3', query: 'hello' });
    const b = await stub.api.operatorReply('st3', { text: 'hi' });
    const result = await stub.api.post('/client/st3/message-statuses', {
      statuses: [
        { questionId: a.body.questionId, status: 'DELIVERED' },
        { questionId: b.body.questionId, status: 'READ' },
      ],
    });
    expect(result.status).toBe(200);
    expectSchema('MessageStatusesResult', result.body);
    expect(result.body.statuses).toEqual([
      { questionId: a.body.questionId, status: 'DELIVERED' },
      { questionId: b.body.questionId, status: 'READ' },
    ]);
  });

  it('a batch with one unknown id changes nothing and answers 404', async () => {
    const a = await stub.api.send({ clientId: 'st4', query: 'hello' });
    const result = await stub.api.post('/client/st4/message-statuses', {
      statuses: [
        { questionId: a.body.questionId, status: 'READ' },
        { questionId: 'no-such-message', status: 'READ' },
      ],
    });
    expectError(result, 404, 'chatapi.message.not_found');
    expect(result.body.message).toContain('no-such-message');
    expect((await stub.api.get(`/client/st4/message/${a.body.questionId}/status`)).body.status).toBe('SENT');
  });

  it('unknown clients and messages are 404s, and so is the id of a message from the client', async () => {
    expectError(await stub.api.get('/client/ghost/message/whatever/status'), 404, 'chatapi.client.not_found');
    expectError(await stub.api.post('/client/ghost/message/whatever/status', { status: 'READ' }), 404, 'chatapi.client.not_found');
    expectError(await stub.api.post('/client/ghost/message-statuses', { statuses: [{ questionId: 'x', status: 'READ' }] }), 404, 'chatapi.client.not_found');
    await stub.api.send({ clientId: 'st5', query: 'hello' });
    expectError(await stub.api.get('/client/st5/message/whatever/status'), 404, 'chatapi.message.not_found');
    // A client's own message is not a message sent to the client.
    const events = await stub.api.send({ clientId: 'st6', event: 'chatOpened' });
    await stub.api.operatorReply('st6', { text: 'x' });
    const history = (await stub.api.history('st6')).body.messages as Message[];
    expect(history[0]!.author).toBe('CLIENT');
    // The client message shares its id with the bot's reply: the id resolves to the reply.
    expect((await stub.api.get(`/client/st6/message/${events.body.questionId}/status`)).body.status).toBe('SENT');
    // A client that only saved state has no messages.
    await stub.api.post('/client/st7/state', { a: 1 });
    expectError(await stub.api.get('/client/st7/message/x/status'), 404, 'chatapi.client.not_found');
  });

  it('the unread count is the number of bot and operator messages not READ', async () => {
    const count = async (clientId: string) => {
      const result = await stub.api.get(`/client/${clientId}/message-not-read-count`);
      expect(result.status).toBe(200);
      expectSchema('NotReadCount', result.body);
      return result.body.count as number;
    };
    expect(await count('u')).toBe(0);
    const a = await stub.api.send({ clientId: 'u', query: 'hello' });
    const b = await stub.api.send({ clientId: 'u', query: 'two texts' });
    const c = await stub.api.operatorReply('u', { text: 'hi' });
    expect(await count('u')).toBe(3);
    await stub.api.post(`/client/u/message/${a.body.questionId}/status`, { status: 'DELIVERED' });
    expect(await count('u')).toBe(3);
    await stub.api.post('/client/u/message-statuses', {
      statuses: [
        { questionId: a.body.questionId, status: 'READ' },
        { questionId: c.body.questionId, status: 'READ' },
      ],
    });
    expect(await count('u')).toBe(1);
    await stub.api.post(`/client/u/message/${a.body.questionId}/status`, { status: 'NOT_SENT' });
    expect(await count('u')).toBe(2);
    await stub.api.post(`/client/u/message/${b.body.questionId}/status`, { status: 'READ' });
    await stub.api.post(`/client/u/message/${a.body.questionId}/status`, { status: 'READ' });
    expect(await count('u')).toBe(0);
  });
});
