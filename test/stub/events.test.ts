// GET /chatapi/{token}/events: long polling, filters, the 250 cap and paging, through HTTP.
import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually, expectSchema, request, sleep, startTestStub, type TestStub } from './helpers.js';

// Long enough that an answer woken by an event is told apart from one at the timeout on a busy machine.
const LONG_POLL_MS = 1_200;
let stub: TestStub;
beforeAll(async () => {
  stub = await startTestStub({ longPollMs: LONG_POLL_MS });
  // One answered poll first, so that no test's timing includes compiling the validators on a busy machine.
  await stub.api.operatorReply('warm-up', { text: 'hi' });
  await stub.api.events({ clientId: 'warm-up' });
});
afterAll(() => stub.close());
beforeEach(async () => {
  await stub.api.reset();
});

type Event = { type: string; ts: number; event: Record<string, any> };
const types = (events: Event[]) => events.map((e) => e.type);

async function events(params: Record<string, string | number | boolean>): Promise<{ events: Event[]; elapsed: number }> {
  const started = Date.now();
  const result = await stub.api.events(params);
  expect(result.status, result.text).toBe(200);
  expectSchema('EventsResponse', result.body);
  return { events: result.body.events, elapsed: Date.now() - started };
}

describe('long polling', () => {
  it('answers at once when there are events', async () => {
    await stub.api.operatorReply('lp1', { text: 'hi' });
    const { events: found, elapsed } = await events({ clientId: 'lp1' });
    expect(types(found)).toEqual(['operatorResponse']);
    expect(elapsed).toBeLessThan(LONG_POLL_MS / 2);
  });

  it('holds the request until an event arrives, then answers with it', async () => {
    const poll = events({ clientId: 'lp2' });
    await sleep(150);
    const injected = Date.now();
    const reply = await stub.api.operatorReply('lp2', { text: 'wake up' });
    const { events: found, elapsed } = await poll;
    expect(types(found)).toEqual(['operatorResponse']);
    expect(found[0]!.event).toEqual(reply.body);
    expect(elapsed).toBeGreaterThanOrEqual(140);
    // Woken by the publish, well before the timeout (which would answer about 1 s after the injection).
    expect(Date.now() - injected).toBeLessThan(LONG_POLL_MS / 2);
  });

  it('answers with an empty list when nothing arrives within the timeout', async () => {
    const { events: found, elapsed } = await events({ clientId: 'lp3' });
    expect(found).toEqual([]);
    expect(elapsed).toBeGreaterThanOrEqual(LONG_POLL_MS - 20);
    expect(elapsed).toBeLessThan(LONG_POLL_MS + 1_000);
  });

  it('is not woken by events its filter leaves out', async () => {
    const poll = events({ clientId: 'lp4' });
    await sleep(100);
    await stub.api.send({ clientId: 'lp4', query: 'hello' });
    const { events: found, elapsed } = await poll;
    expect(found).toEqual([]);
    expect(elapsed).toBeGreaterThanOrEqual(LONG_POLL_MS - 20);
  });

  it('with all=true is woken by a request from another page, getting the request and the reply together', async () => {
    const poll = events({ clientId: 'lp5', all: true, cid: 'tab-1' });
    await sleep(100);
    const sent = await stub.api.send({ clientId: 'lp5', query: 'hello', cid: 'tab-2' });
    const { events: found } = await poll;
    expect(types(found)).toEqual(['clientRequest', 'botResponse']);
    expect(found[0]!.event).toMatchObject({ clientId: 'lp5', questionId: sent.body.questionId, cid: 'tab-2', query: 'hello' });
    expect(found[1]!.event).toEqual(sent.body);
  });

  it('drops the waiter when the client goes away', async () => {
    const abort = new AbortController();
    const poll = stub.api.events({ clientId: 'lp6' }, { signal: abort.signal }).catch(() => 'aborted');
    await eventually(async () => ((await stub.api.stats()).body.longPolls === 1 ? true : undefined));
    abort.abort();
    expect(await poll).toBe('aborted');
    await eventually(async () => ((await stub.api.stats()).body.longPolls === 0 ? true : undefined));
    // The event published afterwards is still there for the next call.
    await stub.api.operatorReply('lp6', { text: 'later' });
    expect(types((await events({ clientId: 'lp6' })).events)).toEqual(['operatorResponse']);
  });

  it('wakes 2,000 waiters of one client with one event, and holds no waiter afterwards', async () => {
    const crowd = await startTestStub({ longPollMs: 20_000 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
    const url = crowd.api.url('/events?clientId=crowd&all=true');
    const polls = Array.from(
      { length: 2_000 },
      () =>
        new Promise<Event[]>((resolve, reject) => {
          http
            .get(url, { agent }, (res) => {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => (text += chunk));
              res.on('end', () => resolve((JSON.parse(text) as { events: Event[] }).events));
            })
            .on('error', reject);
        }),
    );
    try {
      await eventually(async () => ((await crowd.api.stats()).body.longPolls === 2_000 ? true : undefined), 15_000, 50);
      const published = Date.now();
      await crowd.api.operatorReply('crowd', { text: 'everyone' });
      const answers = await Promise.all(polls);
      const allAnsweredIn = Date.now() - published;
      expect(answers.every((found) => found.length === 1 && found[0]!.type === 'operatorResponse')).toBe(true);
      expect(allAnsweredIn).toBeLessThan(5_000);
      expect((await crowd.api.stats()).body.longPolls).toBe(0);
    } finally {
      agent.destroy();
      await crowd.close();
    }
  }, 30_000);
});

describe('filters', () => {
  it('all=false (the default) returns operator replies only; all=true every kind, oldest first with increasing ts', async () => {
    await stub.api.send({ clientId: 'f1', query: 'hello', cid: 'tab-1' });
    await stub.api.operatorReply('f1', { text: 'operator here' });
    await stub.api.post('/client/f1/state', { open: true });
    expect(types((await events({ clientId: 'f1', ts: 0 })).events)).toEqual(['operatorResponse']);
    const all = (await events({ clientId: 'f1', ts: 0, all: true })).events;
    expect(types(all)).toEqual(['clientRequest', 'botResponse', 'operatorResponse', 'widgetStateChange']);
    for (let i = 1; i < all.length; i++) expect(all[i]!.ts).toBeGreaterThan(all[i - 1]!.ts);
    expect(all[3]!.event).toMatchObject({ clientId: 'f1', state: { open: true } });
  });

  it('cid leaves out the events caused by requests of that connection', async () => {
    await stub.api.send({ clientId: 'f2', query: 'hello', cid: 'tab-1' });
    await stub.api.send({ clientId: 'f2', query: 'two texts', cid: 'tab-2' });
    await stub.api.operatorReply('f2', { text: 'operator here' });
    const forTab1 = (await events({ clientId: 'f2', ts: 0, all: true, cid: 'tab-1' })).events;
    expect(types(forTab1)).toEqual(['clientRequest', 'botResponse', 'operatorResponse']);
    expect(forTab1.slice(0, 2).every((e) => e.event.cid === 'tab-2')).toBe(true);
    const forTab3 = (await events({ clientId: 'f2', ts: 0, all: true, cid: 'tab-3' })).events;
    expect(forTab3).toHaveLength(5);
  });

  it('ts returns only events strictly newer', async () => {
    await stub.api.operatorReply('f3', { text: 'one' });
    await stub.api.operatorReply('f3', { text: 'two' });
    const both = (await events({ clientId: 'f3', ts: 0 })).events;
    expect(both).toHaveLength(2);
    const after = (await events({ clientId: 'f3', ts: both[0]!.ts })).events;
    expect(after.map((e) => e.event.data.answer)).toEqual(['two']);
  });

  it("without ts returns what is newer than the client's previous call (the first call: everything kept)", async () => {
    await stub.api.operatorReply('f4', { text: 'one' });
    expect((await events({ clientId: 'f4' })).events.map((e) => e.event.data.answer)).toEqual(['one']);
    await stub.api.operatorReply('f4', { text: 'two' });
    expect((await events({ clientId: 'f4' })).events.map((e) => e.event.data.answer)).toEqual(['two']);
    const { events: none, elapsed } = await events({ clientId: 'f4' });
    expect(none).toEqual([]);
    expect(elapsed).toBeGreaterThanOrEqual(LONG_POLL_MS - 20);
  });

  it('returns only the events of the given client', async () => {
    await stub.api.operatorReply('f5-a', { text: 'for a' });
    await stub.api.operatorReply('f5-b', { text: 'for b' });
    const forA = (await events({ clientId: 'f5-a', ts: 0 })).events;
    expect(forA.map((e) => e.event.clientId)).toEqual(['f5-a']);
  });

  it('keeps channels apart', async () => {
    const two = await startTestStub({ tokens: ['chan-a', 'chan-b'], longPollMs: 200 });
    try {
      await two.api.operatorReply('c', { text: 'on a' }, 'chan-a');
      const onB = await request('GET', `${two.url}/chatapi/chan-b/events?clientId=c`);
      expect(onB.body.events).toEqual([]);
      const onA = await request('GET', `${two.url}/chatapi/chan-a/events?clientId=c`);
      expect(onA.body.events).toHaveLength(1);
    } finally {
      await two.close();
    }
  });
});

describe('the 250 cap and paging', () => {
  it('returns at most 250 events, oldest first, and pages on with the last ts without loss', async () => {
    for (let i = 0; i < 300; i++) {
      const result = await stub.api.operatorReply('many', { text: `message ${i}` });
      expect(result.status).toBe(200);
    }
    const first = (await events({ clientId: 'many', ts: 0 })).events;
    expect(first).toHaveLength(250);
    expect(first[0]!.event.data.answer).toBe('message 0');
    expect(first[249]!.event.data.answer).toBe('message 249');
    const second = (await events({ clientId: 'many', ts: first[249]!.ts })).events;
    expect(second.map((e) => e.event.data.answer)).toEqual(Array.from({ length: 50 }, (_, i) => `message ${250 + i}`));
    const third = await events({ clientId: 'many', ts: second[49]!.ts });
    expect(third.events).toEqual([]);
  }, 30_000);

  it('pages the same way without ts, from where the previous call stopped', async () => {
    for (let i = 0; i < 260; i++) await stub.api.operatorReply('many-cursor', { text: `message ${i}` });
    const first = (await events({ clientId: 'many-cursor' })).events;
    expect(first).toHaveLength(250);
    const second = (await events({ clientId: 'many-cursor' })).events;
    expect(second.map((e) => e.event.data.answer)).toEqual(Array.from({ length: 10 }, (_, i) => `message ${250 + i}`));
  }, 30_000);

  it('gives events published in the same millisecond distinct, increasing ts', async () => {
    const sent = await Promise.all(Array.from({ length: 20 }, (_, i) => stub.api.send({ clientId: 'burst', query: `q${i}` })));
    expect(sent.every((r) => r.status === 200)).toBe(true);
    const all = (await events({ clientId: 'burst', ts: 0, all: true })).events;
    expect(all).toHaveLength(40);
    expect(new Set(all.map((e) => e.ts)).size).toBe(40);
    for (let i = 1; i < all.length; i++) expect(all[i]!.ts).toBeGreaterThan(all[i - 1]!.ts);
  });
});

describe('shutdown', () => {
  it('answers held long polls with an empty list when the stub closes', async () => {
    const own = await startTestStub({ longPollMs: 30_000 });
    const poll = own.api.events({ clientId: 'bye' });
    await eventually(async () => ((await own.api.stats()).body.longPolls === 1 ? true : undefined));
    const started = Date.now();
    await own.close();
    const result = await poll;
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ events: [] });
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
