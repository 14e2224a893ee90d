// The typed client against the server stub, operation by operation: the data it returns is what
// the description says (checked with the description's own schemas), and errors come back typed
// by status. Abort and timeout are checked on a held long poll.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStub } from '../../server-stub/index.js';
import { createChatApiClient, isClientFailure, type ApiResult, type ChatApiClient, type ChatEvent, type OperationId } from '../../client/index.js';
import { SchemaValidator } from '../../description/schemas.js';
import { freshClientId, injectOperatorReply } from './stub-helpers.js';

const LONG_POLL_MS = 2000;
const validator = new SchemaValidator();
let stub: Awaited<ReturnType<typeof startStub>>;
let token: string;
let api: ChatApiClient;

beforeAll(async () => {
  stub = await startStub({ port: 0, longPollMs: LONG_POLL_MS });
  token = stub.tokens[0]!;
  api = createChatApiClient({ baseUrl: stub.url, token, longPollMs: LONG_POLL_MS, timeoutMs: 5000 });
});
afterAll(async () => {
  await stub?.close();
});

/** Asserts success and that the data satisfies the description's schema; returns the data. */
function expectOk<R extends { ok: boolean; status: number; data?: unknown; error?: unknown }>(result: R, schema: string): Extract<R, { ok: true }>['data'] {
  if (!result.ok) expect.fail(`expected success, got ${result.status}: ${JSON.stringify(result.error)}`);
  expect(result.status).toBe(200);
  expect(validator.validateSchema(schema, result.data).violations).toEqual([]);
  return result.data as Extract<R, { ok: true }>['data'];
}

const texts = (replies: { type: string; text?: string }[]) => replies.filter((r) => r.type === 'text').map((r) => r.text);

describe('client against the stub: messages', () => {
  it('sendMessage: /start gets the greeting and buttons; cid is echoed', async () => {
    const clientId = freshClientId();
    const reply = expectOk(await api.sendMessage({ clientId, query: '/start', cid: 'tab-1' }), 'ChatResponse');
    expect(reply).toMatchObject({ clientId, cid: 'tab-1', token });
    expect(reply.data.replies.map((r) => r.type)).toEqual(['text', 'buttons']);
    expect(texts(reply.data.replies)[0]).toMatch(/^Hello!/);
  });

  it('sendMessage with an event, and the catch-all echo for free text', async () => {
    const clientId = freshClientId();
    const event = expectOk(await api.sendMessage({ clientId, event: 'chatOpened', data: { page: '/pricing' } }), 'ChatResponse');
    expect(texts(event.data.replies)[0]).toMatch(/^Hello!/);
    const echo = expectOk(await api.sendMessage({ clientId, query: 'What is this?' }), 'ChatResponse');
    expect(echo.data.answer).toBe('You said: What is this?');
  });

  it('sendMessageSimple: the query-parameter form answers the same way', async () => {
    const clientId = freshClientId();
    const reply = expectOk(await api.sendMessageSimple({ clientId, query: 'Is this simple?' }), 'ChatResponse');
    expect(reply.data.answer).toBe('You said: Is this simple?');
    const start = expectOk(await api.sendMessageSimple({ clientId, event: 'chatOpened' }), 'ChatResponse');
    expect(texts(start.data.replies)[0]).toMatch(/^Hello!/);
  });

  it('sendMessageAsync: answers the questionId at once; the reply comes as an event with that id', async () => {
    const clientId = freshClientId();
    const accepted = expectOk(await api.sendMessageAsync({ clientId, query: 'async hello' }), 'AsyncAccepted');
    const events = expectOk(await api.getEvents({ clientId, all: true }), 'EventsResponse');
    const reply = events.events.find((e) => e.type === 'botResponse' && e.event.questionId === accepted.questionId);
    expect(reply?.type === 'botResponse' && reply.event.data.answer).toBe('You said: async hello');
  });
});

describe('client against the stub: events', () => {
  it('getEvents: all=true shows the request and the reply; the default shows operator replies only', async () => {
    const clientId = freshClientId();
    const sent = expectOk(await api.sendMessage({ clientId, query: 'first' }), 'ChatResponse');
    const all = expectOk(await api.getEvents({ clientId, all: true, ts: 0 }), 'EventsResponse');
    expect(all.events.map((e) => e.type)).toEqual(['clientRequest', 'botResponse']);
    expect(all.events.every((e) => e.event.questionId === sent.questionId)).toBe(true);

    const operator = await injectOperatorReply(stub.url, token, clientId, 'Anna here.');
    const mine = expectOk(await api.getEvents({ clientId, ts: 0 }), 'EventsResponse');
    expect(mine.events).toHaveLength(1);
    expect(mine.events[0]).toMatchObject({ type: 'operatorResponse', event: { questionId: operator.questionId, data: { answer: 'Anna here.' } } });
  });

  it('getEvents with the last ts is held, then answers an empty list after the long poll', async () => {
    const clientId = freshClientId();
    await api.sendMessage({ clientId, query: 'hello' });
    const first = expectOk(await api.getEvents({ clientId, all: true, ts: 0 }), 'EventsResponse');
    const lastTs = first.events.at(-1)?.ts;
    expect(lastTs).toEqual(expect.any(Number));
    const started = Date.now();
    const later = expectOk(await api.getEvents({ clientId, all: true, ts: lastTs }), 'EventsResponse');
    expect(later.events).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(LONG_POLL_MS - 100);
  });

  it('followEvents yields operator replies as they come, in order, and ends on abort', async () => {
    const clientId = freshClientId();
    await api.sendMessage({ clientId, query: 'I need a human' });
    const controller = new AbortController();
    const seen: ChatEvent[] = [];
    const done = (async () => {
      for await (const event of api.followEvents({ clientId, signal: controller.signal })) {
        seen.push(event);
        if (seen.length === 2) controller.abort();
      }
    })();
    await injectOperatorReply(stub.url, token, clientId, 'One moment.');
    await injectOperatorReply(stub.url, token, clientId, 'Here I am.');
    await done;
    expect(seen.map((e) => (e.type === 'operatorResponse' ? e.event.data.answer : e.type))).toEqual(['One moment.', 'Here I am.']);
  });

  it('a held poll can be aborted, and times out after longPollMs + timeoutMs', async () => {
    const clientId = freshClientId();
    await api.sendMessage({ clientId, query: 'hello' });
    const last = expectOk(await api.getEvents({ clientId, all: true, ts: 0 }), 'EventsResponse').events.at(-1)?.ts;

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const aborted = await api.getEvents({ clientId, all: true, ts: last }, { signal: controller.signal });
    expect(aborted).toMatchObject({ ok: false, status: 0, error: { error: 'client.aborted' } });
    expect(Date.now() - started).toBeLessThan(LONG_POLL_MS);

    // A client that believes the server answers at once gives up long before the stub's 2 s hold.
    const impatient = createChatApiClient({ baseUrl: stub.url, token, longPollMs: 0, timeoutMs: 300 });
    const timedOut = await impatient.getEvents({ clientId, all: true, ts: last });
    expect(timedOut).toMatchObject({ ok: false, status: 0, error: { error: 'client.timeout' } });
    expect(isClientFailure(timedOut)).toBe(true);
  });
});

describe('client against the stub: history, state, statuses', () => {
  it('getHistory: the dialogue oldest first, and a period filter', async () => {
    const clientId = freshClientId();
    const empty = expectOk(await api.getHistory({ clientId }), 'HistoryResponse');
    expect(empty).toMatchObject({ clientId, totalCount: 0, messages: [] });
    const sent = expectOk(await api.sendMessage({ clientId, query: 'remember me' }), 'ChatResponse');
    const history = expectOk(await api.getHistory({ clientId }), 'HistoryResponse');
    expect(history.messages.map((m) => [m.author, m.questionId])).toEqual([
      ['CLIENT', sent.questionId],
      ['BOT', sent.questionId],
    ]);
    expect(history.totalCount).toBe(2);
    const future = expectOk(await api.getHistory({ clientId, fromTimestamp: Date.now() + 60_000 }), 'HistoryResponse');
    expect(future.messages).toEqual([]);
  });

  it('saveState / loadState: the object comes back as saved; {} before', async () => {
    const clientId = freshClientId();
    expect(expectOk(await api.loadState({ clientId }), 'ChatState')).toEqual({});
    const state = { open: true, draft: 'Hel', scroll: { top: 120 } };
    expect(expectOk(await api.saveState({ clientId, state }), 'StateSaved').clientId).toBe(clientId);
    expect(expectOk(await api.loadState({ clientId }), 'ChatState')).toEqual(state);
  });

  it('statuses: a bot reply starts SENT; set one, set several, count the unread', async () => {
    const clientId = freshClientId();
    const a = expectOk(await api.sendMessage({ clientId, query: 'one' }), 'ChatResponse').questionId;
    const b = expectOk(await api.sendMessage({ clientId, query: 'two' }), 'ChatResponse').questionId;
    expect(expectOk(await api.getMessageStatus({ clientId, questionId: a }), 'MessageStatusInfo')).toEqual({ questionId: a, status: 'SENT' });
    expect(expectOk(await api.getNotReadCount({ clientId }), 'NotReadCount').count).toBe(2);

    expect(expectOk(await api.setMessageStatus({ clientId, questionId: a, status: 'READ' }), 'MessageStatusInfo')).toEqual({ questionId: a, status: 'READ' });
    expect(expectOk(await api.getNotReadCount({ clientId }), 'NotReadCount').count).toBe(1);

    const batch = expectOk(
      await api.setMessageStatuses({ clientId, statuses: [{ questionId: a, status: 'READ' }, { questionId: b, status: 'DELIVERED' }] }),
      'MessageStatusesResult',
    );
    expect(batch.statuses).toEqual([{ questionId: a, status: 'READ' }, { questionId: b, status: 'DELIVERED' }]);
    expect(expectOk(await api.getMessageStatus({ clientId, questionId: b }), 'MessageStatusInfo').status).toBe('DELIVERED');
    expect(expectOk(await api.getNotReadCount({ clientId }), 'NotReadCount').count).toBe(1);
  });
});

describe('client against the stub: typed errors', () => {
  it('404 for an unknown message, typed as the Error schema; a batch with one is not applied', async () => {
    const clientId = freshClientId();
    const known = expectOk(await api.sendMessage({ clientId, query: 'hi there' }), 'ChatResponse').questionId;
    const missing = await api.getMessageStatus({ clientId, questionId: 'no-such-message' });
    expect(missing.ok).toBe(false);
    if (missing.ok || missing.status !== 404) return expect.fail(`expected 404, got ${missing.status}`);
    expect(validator.validateSchema('Error', missing.error).valid).toBe(true);
    expect(missing.error.error).toMatch(/^chatapi\./);
    expect('undocumented' in missing).toBe(false);

    const batch = await api.setMessageStatuses({ clientId, statuses: [{ questionId: known, status: 'READ' }, { questionId: 'no-such-message', status: 'READ' }] });
    expect(batch.status).toBe(404);
    expect(expectOk(await api.getMessageStatus({ clientId, questionId: known }), 'MessageStatusInfo').status).toBe('SENT');
  });

  it('401 from every operation for an unknown token', async () => {
    const stranger = createChatApiClient({ baseUrl: stub.url, token: 'no-such-token', longPollMs: LONG_POLL_MS });
    const clientId = freshClientId();
    const results = {
      sendMessage: await stranger.sendMessage({ clientId, query: 'hi' }),
      sendMessageSimple: await stranger.sendMessageSimple({ clientId, query: 'hi' }),
      sendMessageAsync: await stranger.sendMessageAsync({ clientId, query: 'hi' }),
      getEvents: await stranger.getEvents({ clientId }),
      getHistory: await stranger.getHistory({ clientId }),
      loadState: await stranger.loadState({ clientId }),
      saveState: await stranger.saveState({ clientId, state: {} }),
      getMessageStatus: await stranger.getMessageStatus({ clientId, questionId: 'q' }),
      setMessageStatus: await stranger.setMessageStatus({ clientId, questionId: 'q', status: 'READ' }),
      setMessageStatuses: await stranger.setMessageStatuses({ clientId, statuses: [{ questionId: 'q', status: 'READ' }] }),
      getNotReadCount: await stranger.getNotReadCount({ clientId }),
    } satisfies { [Op in OperationId]: ApiResult<Op> };
    for (const [operation, result] of Object.entries(results)) {
      expect([operation, result.status], JSON.stringify(result.ok ? result.data : result.error)).toEqual([operation, 401]);
      if (!result.ok) expect(validator.validateSchema('Error', result.error).violations).toEqual([]);
    }
  });

  it('400 with violations for a request that breaks the description', async () => {
    const tooLong = await api.sendMessage({ clientId: freshClientId(), query: 'x'.repeat(5000) });
    if (tooLong.ok || tooLong.status !== 400) return expect.fail(`expected 400, got ${tooLong.status}`);
    expect(tooLong.error.violations?.length).toBeGreaterThan(0);
    // Neither query nor event: the types forbid it, so force it past them.
    const neither = await api.sendMessageSimple({ clientId: freshClientId() } as never);
    expect(neither.status).toBe(400);
  });
});
