// Two stub processes on two ports (as two machines would be) with one real Redis behave as one
// service: a long poll on A is answered by a send on B; history, statuses, state, takeovers and
// settings read back through the other; ts and questionIds never repeat across them; a webhook
// delivery whose stub is killed with SIGKILL is delivered by the other, once; every stub restarted
// loses nothing; Redis lost while running is a 503 and the stubs recover when it is back; Redis
// down at start is one line and exit 1; --workers N serves one port from N processes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../mock/prism.js';
import { eventually, expectError, expectSchema, request, webhookReceiver, type WebhookReceiver } from './helpers.js';
import { startRedis, type RedisServer } from './redis-server.js';
import { killAll, spawnStub, startStubProcess, stopStub, type StubProcess } from './stub-process.js';

const TOKEN = 'chatapi-dev-token';
let redis: RedisServer;
let receiver: WebhookReceiver;
/** What the receiver answers: 500 while a test holds deliveries back, else 200 (by request, in `answered`). */
let accept = true;
const answered: number[] = [];
let a: StubProcess;
let b: StubProcess;

const env = () => ({
  CHATAPI_STORE: redis.url,
  CHATAPI_LONG_POLL_MS: '5000',
  CHATAPI_WEBHOOK_URL: receiver.url,
  CHATAPI_WEBHOOK_ATTEMPTS: '100',
  CHATAPI_WEBHOOK_BASE_DELAY_MS: '100',
  CHATAPI_WEBHOOK_MAX_DELAY_MS: '300',
  CHATAPI_WEBHOOK_TIMEOUT_MS: '1000',
});

const startPair = async () => {
  [a, b] = await Promise.all([startStubProcess(env()), startStubProcess(env())]);
};

beforeAll(async () => {
  redis = await startRedis();
  receiver = await webhookReceiver((n) => (answered[n] = accept ? 200 : 500));
  await startPair();
});
afterAll(async () => {
  killAll();
  await receiver?.close();
  await redis?.stop();
});

describe('two stubs on one Redis', () => {
  it('answers a long poll held on stub A with an operator reply sent through stub B, and a send on B to a poll with all=true on A', async () => {
    const held = a.api.events({ clientId: 'lp-1' });
    await eventually(async () => ((await a.api.stats()).body.longPolls === 1 ? true : undefined));
    const started = Date.now();
    const sent = await b.api.operatorReply('lp-1', { text: 'from B' });
    expect(sent.status).toBe(200);
    const answered = await held;
    expect(answered.status).toBe(200);
    expect(answered.body.events.map((e: { type: string; event: { data: { answer: string } } }) => [e.type, e.event.data.answer])).toEqual([['operatorResponse', 'from B']]);
    expect(Date.now() - started).toBeLessThan(3_000);

    const all = a.api.events({ clientId: 'lp-1', all: true });
    await eventually(async () => ((await a.api.stats()).body.longPolls === 1 ? true : undefined));
    expect((await b.api.send({ clientId: 'lp-1', query: 'hello' })).status).toBe(200);
    expect((await all).body.events.map((e: { type: string }) => e.type)).toEqual(['clientRequest', 'botResponse']);
  });

  it('reads history, statuses, the unread count and state back through the other stub', async () => {
    const sent = await a.api.send({ clientId: 'rw', query: 'hello' });
    expect(sent.status).toBe(200);
    const history = await b.api.history('rw');
    expect(history.body.messages.map((m: { author: string }) => m.author)).toEqual(['CLIENT', 'BOT']);
    expect((await b.api.get('/client/rw/message-not-read-count')).body).toEqual({ count: 1 });
    const read = await b.api.post(`/client/rw/message/${sent.body.questionId}/status`, { status: 'READ' });
    expect(read.body).toEqual({ questionId: sent.body.questionId, status: 'READ' });
    expect((await a.api.get(`/client/rw/message/${sent.body.questionId}/status`)).body.status).toBe('READ');
    expect((await a.api.get('/client/rw/message-not-read-count')).body).toEqual({ count: 0 });
    expect((await a.api.post('/client/rw/state', { draft: 'hi' })).status).toBe(200);
    expect((await b.api.get('/client/rw/state')).body).toEqual({ draft: 'hi' });
    expectSchema('HistoryResponse', (await a.api.history('rw')).body);
  });

  it('hands out ts that strictly increase per channel and questionIds that never repeat, across both stubs', async () => {
    const sends = Array.from({ length: 20 }, (_, n) => (n % 2 ? a : b).api.send({ clientId: `ts-${n % 3}`, query: `m${n}` }));
    const ids = (await Promise.all(sends)).map((r) => r.body.questionId as string);
    expect(new Set(ids).size).toBe(20);
    const events = (await Promise.all([0, 1, 2].map((n) => a.api.events({ clientId: `ts-${n}`, all: true, ts: 0 })))).flatMap((r) => r.body.events as { ts: number }[]);
    const times = events.map((e) => e.ts);
    expect(new Set(times).size).toBe(times.length);
    expect(times.length).toBe(40);
  });

  it('shares takeovers, the console and channel settings', async () => {
    expect((await a.api.send({ clientId: 'op', query: 'hello' })).status).toBe(200);
    const taken = await request('POST', `${b.url}/_stub/channels/${TOKEN}/clients/op/takeover`);
    expect(taken.body.handler).toBe('operator');
    const silent = await a.api.send({ clientId: 'op', query: 'anyone?' });
    expect(silent.body.data.replies).toEqual([]);
    const console = await request('GET', `${a.url}/_stub/channels/${TOKEN}/clients`);
    expect(console.body.clients.find((c: { clientId: string }) => c.clientId === 'op').takeover.handler).toBe('operator');
    // A console long poll on A wakes on a change made through B.
    const waiting = request('GET', `${a.url}/_stub/channels/${TOKEN}/clients?after=${console.body.version}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await request('POST', `${b.url}/_stub/channels/${TOKEN}/clients/op/takeover/close`)).body.handler).toBe('bot');
    expect((await waiting).body.version).toBeGreaterThan(console.body.version);
    expect((await a.api.settings({ blockTextInputWithButtons: true })).status).toBe(200);
    expect((await b.api.settings()).body.blockTextInputWithButtons).toBe(true);
    expect((await b.api.settings({ blockTextInputWithButtons: false })).status).toBe(200);
  });

  it('delivers a webhook whose stub is killed with SIGKILL through the other stub, once, with the same delivery id', async () => {
    accept = false;
    const sent = await a.api.sendAsync({ clientId: 'hook', query: 'hello' });
    expect(sent.status).toBe(200);
    const { questionId } = sent.body as { questionId: string };
    const first = await eventually(async () => {
      const [delivery] = (await a.api.deliveries({ questionId })).body.deliveries as { id: string; attempts: { by?: string }[] }[];
      return delivery && delivery.attempts.length > 0 ? delivery : undefined;
    }, 10_000);
    const holder = first.attempts[0]!.by!;
    const [victim, survivor] = holder.includes(`:${a.child.pid}:`) ? [a, b] : [b, a];
    expect(holder).toContain(`:${victim.child.pid}:`);
    victim.child.kill('SIGKILL');
    await victim.exit;
    accept = true;
    const delivered = await eventually(async () => {
      const [delivery] = (await survivor.api.deliveries({ questionId })).body.deliveries as { id: string; state: string; attempts: { by?: string; statusCode?: number }[] }[];
      return delivery?.state === 'delivered' ? delivery : undefined;
    }, 20_000, 100);
    expect(delivered.id).toBe(first.id);
    expect(delivered.attempts.at(-1)!.by).toContain(`:${survivor.child.pid}:`);
    // Once: the receiver acknowledged exactly one request of this delivery, and nothing came after.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const acknowledged = receiver.received.filter((r, n) => r.headers['x-chatapi-delivery'] === first.id && answered[n] === 200);
    expect(acknowledged).toHaveLength(1);
    expect(delivered.attempts.filter((t) => t.statusCode === 200)).toHaveLength(1);
    expect(acknowledged[0]!.headers['x-chatapi-attempt']).toBe(String(delivered.attempts.length));
    // The killed stub is replaced, as an operator would.
    const replacement = await startStubProcess(env());
    if (victim === a) a = replacement;
    else b = replacement;
  });

  it('loses nothing when every stub is restarted', async () => {
    accept = false;
    const sent = await a.api.send({ clientId: 'kept', query: 'hello' });
    expect((await b.api.post('/client/kept/state', { step: 3 })).status).toBe(200);
    const async = await b.api.sendAsync({ clientId: 'kept', query: 'async' });
    await eventually(async () => ((await a.api.deliveries({ questionId: async.body.questionId })).body.deliveries[0]?.attempts.length > 0 ? true : undefined), 10_000);
    await Promise.all([stopStub(a), stopStub(b)]);
    accept = true;
    await startPair();
    expect((await a.api.history('kept')).body.messages.length).toBe(4);
    expect((await b.api.get('/client/kept/state')).body).toEqual({ step: 3 });
    expect((await b.api.get(`/client/kept/message/${sent.body.questionId}/status`)).body.status).toBe('SENT');
    const delivered = await eventually(async () => {
      const [delivery] = (await b.api.deliveries({ questionId: async.body.questionId })).body.deliveries as { state: string }[];
      return delivery?.state === 'delivered' ? delivery : undefined;
    }, 20_000, 100);
    expect(delivered.state).toBe('delivered');
  });

  it('answers 503 with Retry-After while Redis is lost, and recovers when it is back', async () => {
    await redis.stop();
    const lost = await a.api.send({ clientId: 'outage', query: 'hello' });
    expectError(lost, 503, 'chatapi.service.unavailable');
    expect(lost.headers.get('retry-after')).toBe('1');
    expectError(await b.api.history('outage'), 503, 'chatapi.service.unavailable');
    expect((await request('GET', `${b.url}/_stub/deliveries`)).status).toBe(503);
    await redis.restart();
    const back = await eventually(async () => {
      const result = await a.api.send({ clientId: 'outage', query: 'hello' });
      return result.status === 200 ? result : undefined;
    }, 10_000, 100);
    expect(back.body.clientId).toBe('outage');
    // Both stubs are one service again: a poll on B is woken through A.
    const held = b.api.events({ clientId: 'outage-2' });
    await eventually(async () => ((await b.api.stats()).body.longPolls === 1 ? true : undefined), 10_000);
    await eventually(async () => ((await a.api.operatorReply('outage-2', { text: 'back' })).status === 200 ? true : undefined), 10_000, 100);
    expect((await held).body.events.map((e: { type: string }) => e.type)).toEqual(['operatorResponse']);
    expect(a.output() + b.output()).toMatch(/lost Redis .*requests get 503 until it is back[\s\S]*Redis is back/);
  });
});

describe('starting on Redis', () => {
  afterEach(killAll);

  it('says in one line that Redis cannot be reached, and exits 1', async () => {
    const port = await freePort();
    const started = spawnStub({ CHATAPI_STORE: `redis://127.0.0.1:${port}/0` });
    expect((await started.exit).code).toBe(1);
    expect(started.output().trim()).toBe(`chatapi stub: CHATAPI_STORE: cannot reach Redis at redis://127.0.0.1:${port}/0: connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('runs --workers 2 on one port, one summary, and stops them all on SIGTERM', async () => {
    const stub = await startStubProcess({ CHATAPI_STORE: redis.url }, ['--workers', '2']);
    expect(stub.output()).toMatch(/Workers +2 processes on this port/);
    const replies = await Promise.all(Array.from({ length: 6 }, (_, n) => stub.api.send({ clientId: 'w', query: `m${n}` })));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect((await stub.api.history('w')).body.messages.length).toBe(12);
    expect(stub.output().match(/server stub on/g)).toHaveLength(1);
    await stopStub(stub);
    expect((await stub.exit).code).toBe(0);
  });

  it.each([
    ['the memory store', {}, /2 workers need CHATAPI_STORE=redis:\/\/HOST:PORT\/DB; the memory store is one process's/],
    ['a SQLite file', { CHATAPI_STORE: 'sqlite:/tmp/never-opened.db' }, /2 workers need CHATAPI_STORE=redis:\/\/HOST:PORT\/DB; a SQLite file is one process's/],
  ])('refuses --workers 2 with %s, in one line', async (_name, extra, message) => {
    const started = spawnStub(extra, ['--workers', '2']);
    expect((await started.exit).code).toBe(1);
    expect(started.output()).toMatch(message);
  });
});
