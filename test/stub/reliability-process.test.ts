// The compiled stub as a process (`node build/server-stub/main.js`, built by `npm test`) with the
// SQLite store: killed with SIGKILL and started again, it still has the history, state, statuses,
// event times and pending webhook deliveries; a path it cannot use is a one-line error; SIGTERM
// answers held long polls, lets a request in flight finish and closes the store within 5 s.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, expectSchema, webhookReceiver, type WebhookReceiver } from './helpers.js';
import { killAll, spawnStub, startStubProcess as startStub } from './stub-process.js';

afterEach(killAll);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chatapi-process-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the SQLite store across kill -9', () => {
  let receiver: WebhookReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('keeps history, state, statuses, event times and pending deliveries; ids and ts never repeat', async () => {
    let receiverUp = false;
    receiver = await webhookReceiver(() => (receiverUp ? 200 : 503));
    const env = {
      CHATAPI_STORE: `sqlite:${join(dir, 'kill.db')}`,
      CHATAPI_WEBHOOK_URL: receiver.url,
      CHATAPI_WEBHOOK_ATTEMPTS: '100',
      CHATAPI_WEBHOOK_BASE_DELAY_MS: '20',
      CHATAPI_WEBHOOK_MAX_DELAY_MS: '100',
      CHATAPI_WEBHOOK_TIMEOUT_MS: '1000',
    };
    const first = await startStub(env);
    const { api } = first;
    const hello = await api.send({ clientId: 'k1', query: 'hello' });
    expect(hello.status).toBe(200);
    await api.send({ clientId: 'k1', query: 'second' });
    expect((await api.post('/client/k1/state', { step: 3, cart: ['tea'] })).status).toBe(200);
    expect((await api.post(`/client/k1/message/${hello.body.questionId}/status`, { status: 'READ' })).status).toBe(200);
    const asyncIds: string[] = [];
    for (let n = 0; n < 3; n++) {
      const accepted = await api.sendAsync({ clientId: 'k2', query: `async ${n}` });
      expect(accepted.status).toBe(200);
      asyncIds.push(accepted.body.questionId);
    }
    const history = (await api.history('k1')).body;
    const events = (await api.events({ clientId: 'k1', all: true, ts: 0 })).body.events as { ts: number }[];
    const lastTs = Math.max(...events.map((e) => e.ts));
    const unread = (await api.get('/client/k1/message-not-read-count')).body;
    // The deliveries are being retried against a receiver that answers 503.
    await eventually(() => (receiver!.received.length >= 3 ? true : undefined), 5_000);

    first.child.kill('SIGKILL');
    expect((await first.exit).signal).toBe('SIGKILL');
    receiverUp = true;

    const second = await startStub(env);
    const again = second.api;
    const historyAfter = await again.history('k1');
    expectSchema('HistoryResponse', historyAfter.body);
    expect(historyAfter.body).toEqual(history);
    expect((await again.get('/client/k1/state')).body).toEqual({ step: 3, cart: ['tea'] });
    expect((await again.get(`/client/k1/message/${hello.body.questionId}/status`)).body).toMatchObject({ status: 'READ' });
    expect((await again.get('/client/k1/message-not-read-count')).body).toEqual(unread);
    expect(((await again.events({ clientId: 'k1', all: true, ts: 0 })).body.events as { ts: number }[]).map((e) => e.ts)).toEqual(events.map((e) => e.ts));

    // The pending deliveries went out after the restart, in order (the receiver answers 200 from
    // now on, so the last three requests it got are the three accepted ones).
    await eventually(() => {
      const lastThree = receiver!.received.slice(-3).map((r) => (r.body as { questionId: string }[])[0]!.questionId);
      return lastThree.join() === asyncIds.join() ? true : undefined;
    }, 10_000);
    const stats = await again.stats();
    expect(stats.body.deliveries).toMatchObject({ pending: 0, failed: 0 });

    // New messages: fresh questionIds, event times after the ones before the kill.
    const later = await again.send({ clientId: 'k1', query: 'after restart' });
    expect(later.status).toBe(200);
    const seen = new Set([...history.messages.map((m: { questionId: string }) => m.questionId), ...asyncIds]);
    expect(seen.has(later.body.questionId)).toBe(false);
    const newEvents = (await again.events({ clientId: 'k1', all: true, ts: lastTs })).body.events as { ts: number }[];
    expect(newEvents.length).toBeGreaterThan(0);
    for (const event of newEvents) expect(event.ts).toBeGreaterThan(lastTs);
    second.child.kill('SIGTERM');
    expect((await second.exit).code).toBe(0);
  });
});

describe('an unusable SQLite path', () => {
  it.each([
    ['a missing directory', () => join(dir, 'no', 'such', 'dir', 'x.db'), /does not exist/],
    ['a directory', () => dir, /is a directory/],
  ])('%s: one clear line and exit 1', async (_name, path, reason) => {
    const started = spawnStub({ CHATAPI_STORE: `sqlite:${path()}` });
    const { code } = await started.exit;
    expect(code).toBe(1);
    expect(started.output()).toMatch(/^chatapi stub: CHATAPI_STORE: cannot use the SQLite database /m);
    expect(started.output()).toMatch(reason);
    expect(started.output()).not.toMatch(/\bat .+\.js:\d+/);
  });

  it('a file another stub holds', async () => {
    const path = join(dir, 'shared.db');
    const holder = await startStub({ CHATAPI_STORE: `sqlite:${path}` });
    const second = spawnStub({ CHATAPI_STORE: `sqlite:${path}` });
    expect((await second.exit).code).toBe(1);
    expect(second.output()).toMatch(/another process/);
    holder.child.kill('SIGTERM');
    await holder.exit;
  });

  it('a CHATAPI_STORE it does not know', async () => {
    const started = spawnStub({ CHATAPI_STORE: 'mongodb://127.0.0.1' });
    expect((await started.exit).code).toBe(1);
    expect(started.output()).toMatch(/CHATAPI_STORE: expected "memory", "sqlite:PATH" or "redis:\/\/HOST:PORT\/DB"/);
  });
});

describe('SIGTERM', () => {
  it('answers held long polls, finishes the request in flight, closes the store, all within 5 s', async () => {
    const path = join(dir, 'term.db');
    const stub = await startStub({ CHATAPI_STORE: `sqlite:${path}`, CHATAPI_LONG_POLL_MS: '30000' });
    const { api } = stub;
    expect((await api.send({ clientId: 'warm', query: 'hello' })).status).toBe(200);
    const polls = Array.from({ length: 5 }, (_, n) => api.events({ clientId: `lp-${n}` }));
    await eventually(async () => ((await api.stats()).body.longPolls === 5 ? true : undefined));

    // A request in flight: its headers are sent, half of its body is not.
    const body = JSON.stringify({ clientId: 'inflight', query: 'sent during shutdown' });
    const inFlight = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(api.url(''), { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => req.end(body.slice(10)), 600);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));

    const signalled = performance.now();
    stub.child.kill('SIGTERM');
    const answered = await Promise.all(polls);
    const pollsAnsweredMs = performance.now() - signalled;
    for (const poll of answered) {
      expect(poll.status).toBe(200);
      expect(poll.body).toEqual({ events: [] });
    }
    // Answered by the shutdown, not by their 30 s timeout (the bound leaves room for a loaded machine).
    expect(pollsAnsweredMs).toBeLessThan(2_500);
    const finished = await inFlight;
    expect(finished.status, finished.text).toBe(200);
    const reply = JSON.parse(finished.text) as { questionId: string };
    expectSchema('ChatResponse', reply);
    const { code } = await stub.exit;
    expect(code).toBe(0);
    expect(performance.now() - signalled).toBeLessThan(5_000);
    // Closed: the WAL was checkpointed into the database and removed.
    expect(existsSync(`${path}-wal`)).toBe(false);

    // And what the request in flight did was kept.
    const restarted = await startStub({ CHATAPI_STORE: `sqlite:${path}` });
    const history = await restarted.api.history('inflight');
    expect(history.body.messages.map((m: { questionId: string }) => m.questionId)).toContain(reply.questionId);
    restarted.child.kill('SIGTERM');
    expect((await restarted.exit).code).toBe(0);
  });
});
