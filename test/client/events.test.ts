// followEvents against a local server that can answer, hold, fail and refuse on demand: it pages on
// with `ts`, ends cleanly on abort, and backs off (exponentially, capped) on transient failures.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, ChatApiEventsError, createChatApiClient, type ApiResult, type ChatEvent } from '../../client/index.js';
import { closedPort, sendJson, startFakeServer, type FakeServer } from './fake-server.js';

const TOKEN = 'chatapi-dev-token';

function operatorEvent(text: string, ts: number | undefined, timestamp = '2026-11-25T10:16:30.000'): ChatEvent {
  return {
    type: 'operatorResponse',
    ...(ts === undefined ? {} : { ts }),
    event: { token: TOKEN, clientId: 'user-42', questionId: `op-${text}`, timestamp, data: { replies: [{ type: 'text', text }], answer: text } },
  };
}

const texts = (events: ChatEvent[]) => events.map((e) => (e.type === 'operatorResponse' ? e.event.data.answer : e.type));

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('followEvents', () => {
  it('pages on with the ts of the last event, or its timestamp when it has no ts', async () => {
    const noTsTimestamp = '2026-11-25T10:20:00.500';
    server = await startFakeServer((_req, res, url) => {
      const ts = url.searchParams.get('ts');
      if (ts === null) return sendJson(res, 200, { events: [operatorEvent('one', 1000), operatorEvent('two', 2000)] });
      if (ts === '2000') return sendJson(res, 200, { events: [operatorEvent('three', undefined, noTsTimestamp)] });
      // Anything later: hold the poll, as a real server does when nothing is new.
    });
    const api = createChatApiClient({ baseUrl: server.url, token: TOKEN });
    const controller = new AbortController();
    const seen: ChatEvent[] = [];
    for await (const event of api.followEvents({ clientId: 'user-42', all: true, signal: controller.signal })) {
      seen.push(event);
      // Abort once the third poll (the one after the ts-less event) is being held.
      if (seen.length === 3) setTimeout(() => controller.abort(), 100);
    }
    expect(texts(seen)).toEqual(['one', 'two', 'three']);
    const polls = server.requests.map((r) => r.url.searchParams);
    expect(polls.map((q) => q.get('ts'))).toEqual([null, '2000', String(Date.parse(`${noTsTimestamp}Z`))]);
    expect(polls.every((q) => q.get('clientId') === 'user-42' && q.get('all') === 'true')).toBe(true);
    expect(server.requests[0]?.url.pathname).toBe(`/chatapi/${TOKEN}/events`);
  });

  it('starts from the given ts and keeps cid on every poll', async () => {
    server = await startFakeServer((_req, res, url) => {
      if (url.searchParams.get('ts') === '500') sendJson(res, 200, { events: [operatorEvent('later', 900)] });
    });
    const api = createChatApiClient({ baseUrl: server.url, token: TOKEN });
    const controller = new AbortController();
    const iterator = api.followEvents({ clientId: 'user-42', cid: 'tab-1', ts: 500, signal: controller.signal });
    const first = await iterator.next();
    expect(first.done).toBe(false);
    const second = iterator.next(); // polls again with the ts of `first`, and is held
    await vi.waitFor(() => expect(server?.requests).toHaveLength(2));
    controller.abort();
    expect(await second).toEqual({ done: true, value: undefined });
    expect(server.requests.map((r) => [r.url.searchParams.get('ts'), r.url.searchParams.get('cid')])).toEqual([
      ['500', 'tab-1'],
      ['900', 'tab-1'],
    ]);
  });

  it('ends cleanly and promptly when aborted during a held poll', async () => {
    server = await startFakeServer(() => undefined); // never answers
    const api = createChatApiClient({ baseUrl: server.url, token: TOKEN });
    const controller = new AbortController();
    const iterator = api.followEvents({ clientId: 'user-42', signal: controller.signal });
    const next = iterator.next();
    await new Promise((r) => setTimeout(r, 150));
    const abortedAt = Date.now();
    controller.abort();
    expect(await next).toEqual({ done: true, value: undefined });
    expect(Date.now() - abortedAt).toBeLessThan(500);
  });

  it('ends when the consumer breaks out of the loop, with no poll left running', async () => {
    server = await startFakeServer((_req, res) => sendJson(res, 200, { events: [operatorEvent('a', 1), operatorEvent('b', 2)] }));
    const api = createChatApiClient({ baseUrl: server.url, token: TOKEN });
    const seen: ChatEvent[] = [];
    for await (const event of api.followEvents({ clientId: 'user-42' })) {
      seen.push(event);
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(texts(seen)).toEqual(['a']);
    expect(server.requests).toHaveLength(1);
  });

  it('backs off exponentially up to the cap on server errors, then resets after a success', async () => {
    let calls = 0;
    server = await startFakeServer((_req, res) => {
      calls += 1;
      if (calls <= 4 || calls === 6) return sendJson(res, 503, { error: 'chatapi.unavailable', message: 'try later' });
      if (calls === 5) return sendJson(res, 200, { events: [operatorEvent('after-outage', 10)] });
      sendJson(res, 200, { events: [operatorEvent('after-blip', 20)] });
    });
    const api = createChatApiClient({ baseUrl: server.url, token: TOKEN });
    const retries: { attempt: number; delay: number; status: number }[] = [];
    const seen: ChatEvent[] = [];
    for await (const event of api.followEvents({
      clientId: 'user-42',
      backoff: { initialMs: 40, factor: 2, maxMs: 100, jitter: false },
      onRetry: (failure, attempt, delay) => retries.push({ attempt, delay, status: failure.status }),
    })) {
      seen.push(event);
      if (seen.length === 2) break;
    }
    expect(texts(seen)).toEqual(['after-outage', 'after-blip']);
    expect(retries).toEqual([
      { attempt: 1, delay: 40, status: 503 },
      { attempt: 2, delay: 80, status: 503 },
      { attempt: 3, delay: 100, status: 503 },
      { attempt: 4, delay: 100, status: 503 },
      // The success in between reset the back-off.
      { attempt: 1, delay: 40, status: 503 },
    ]);
    const gaps = server.requests.slice(1).map((r, i) => r.at - server!.requests[i]!.at);
    // Each retry waited at least its delay (1 ms of timer slack).
    for (const [i, delay] of [40, 80, 100, 100].entries()) expect(gaps[i]).toBeGreaterThanOrEqual(delay - 1);
  });

  it('retries when the server cannot be reached, and stops on abort during the pause', async () => {
    const api = createChatApiClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, token: TOKEN });
    const controller = new AbortController();
    const failures: string[] = [];
    const started = Date.now();
    const events: ChatEvent[] = [];
    for await (const event of api.followEvents({
      clientId: 'user-42',
      signal: controller.signal,
      backoff: { initialMs: 20, factor: 2, maxMs: 60_000, jitter: false },
      onRetry: (failure, attempt) => {
        failures.push(failure.error.error);
        // The third pause is 80 ms; the next would be long: abort in the middle of it.
        if (attempt === 5) setTimeout(() => controller.abort(), 10);
      },
    })) {
      events.push(event);
    }
    expect(events).toEqual([]);
    expect(failures).toEqual(Array(5).fill('client.network'));
    // 20+40+80+160 ms of pauses, then the abort cut the 320 ms one short. Without the abort the
    // loop would sleep the whole 320 ms and then 640 ms more (1.26 s): a bound well under that.
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('treats a poll that outlives longPollMs + timeoutMs as a transient timeout', async () => {
    let calls = 0;
    server = await startFakeServer((_req, res) => {
      calls += 1;
      if (calls > 1) sendJson(res, 200, { events: [operatorEvent('finally', 5)] });
      // The first poll is never answered.
    });
    const api = createChatApiClient({ baseUrl: server.url, token: TOKEN, longPollMs: 100, timeoutMs: 50 });
    const failures: ApiResult<'getEvents'>[] = [];
    const started = Date.now();
    const iterator = api.followEvents({ clientId: 'user-42', backoff: { initialMs: 10, jitter: false }, onRetry: (f) => failures.push(f) });
    const first = await iterator.next();
    await iterator.return();
    expect(first.value && texts([first.value])).toEqual(['finally']);
    expect(failures.map((f) => (f.ok ? 'ok' : f.error.error))).toEqual(['client.timeout']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('stops with a typed error on a refusal that a retry cannot fix (401)', async () => {
    server = await startFakeServer((_req, res) => sendJson(res, 401, { error: 'chatapi.token.unknown', message: 'No channel has this token.', status: 401 }));
    const api = createChatApiClient({ baseUrl: server.url, token: 'wrong' });
    const iterator = api.followEvents({ clientId: 'user-42' });
    const error = await iterator.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ChatApiEventsError);
    const { result } = error as ChatApiEventsError;
    expect(result.status).toBe(401);
    expect(result.error.error).toBe('chatapi.token.unknown');
    expect(server.requests).toHaveLength(1);
  });

  it('pauses after an empty answer that came back at once, so it never spins', async () => {
    server = await startFakeServer((_req, res) => sendJson(res, 200, { events: [] }));
    const api = createChatApiClient({ baseUrl: server.url, token: TOKEN });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    for await (const _ of api.followEvents({ clientId: 'user-42', signal: controller.signal, minEmptyPollMs: 200 })) {
      // no events expected
    }
    expect(server.requests.length).toBeGreaterThanOrEqual(2);
    expect(server.requests.length).toBeLessThanOrEqual(3);
  });
});

describe('backoffDelay', () => {
  it('grows by the factor up to the cap, with jitter between half and all of it', () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(n, { initialMs: 100, factor: 3, maxMs: 1000, jitter: false }))).toEqual([100, 300, 900, 1000, 1000]);
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(2, { initialMs: 100, factor: 2, maxMs: 1000 });
      expect(delay).toBeGreaterThanOrEqual(200);
      expect(delay).toBeLessThanOrEqual(400);
    }
  });
});
