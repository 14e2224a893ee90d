// The operator console's side of the stub: takeover after a switch reply (the bot stays silent),
// closing by the operator or by a close phrase, the channel's clients (with a long poll on its
// version), one conversation, firing a reply timeout, and the demo bot's assets served locally.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_BOT_SCRIPT } from '../../server-stub/index.js';
import { expectError, expectSchema, request, startTestStub, type TestStub } from './helpers.js';

let stub: TestStub;
beforeAll(async () => {
  stub = await startTestStub({ botScriptPath: DEMO_BOT_SCRIPT, longPollMs: 1_500 });
});
afterAll(() => stub.close());
beforeEach(async () => {
  await stub.api.reset();
});

const channel = () => `${stub.url}/_stub/channels/${stub.api.token}`;
const clients = (after?: number) => request('GET', `${channel()}/clients${after === undefined ? '' : `?after=${after}`}`);
const conversation = (clientId: string) => request('GET', `${channel()}/clients/${clientId}`);
const control = (clientId: string, action: string) => request('POST', `${channel()}/clients/${clientId}/${action}`);
const say = async (clientId: string, query: string) => {
  const result = await stub.api.send({ clientId, query });
  expect(result.status, result.text).toBe(200);
  expectSchema('ChatResponse', result.body);
  return result.body as { questionId: string; data: { replies: { type: string; text?: string }[]; answer: string } };
};

describe('takeover', () => {
  it('a switch reply puts the client in the queue; the bot is silent until the operator closes the conversation', async () => {
    await say('c1', 'operator');
    expect((await clients()).body.clients[0].takeover).toMatchObject({ handler: 'waiting', closeChatPhrases: ['/close'], firstMessage: 'The client asks for help' });

    const silent = await say('c1', 'hello');
    expect(silent.data).toEqual({ replies: [], answer: '' });
    // Recorded for the operator, but no bot message: the history ends with the client's.
    const history = (await stub.api.history('c1')).body.messages as { author: string; text?: string }[];
    expect(history.at(-1)).toMatchObject({ author: 'CLIENT', text: 'hello' });
    expect(history.filter((m) => m.author === 'BOT')).toHaveLength(1);
    const events = (await stub.api.events({ clientId: 'c1', all: true, ts: 0 })).body.events as { type: string }[];
    expect(events.map((e) => e.type)).toEqual(['clientRequest', 'botResponse', 'clientRequest']);

    const taken = await control('c1', 'takeover');
    expect(taken.status).toBe(200);
    expect(taken.body.handler).toBe('operator');
    expect((await say('c1', 'hello again')).data.replies).toEqual([]);

    const closed = await control('c1', 'takeover/close');
    expect(closed.body).toEqual({ handler: 'bot', closeChatPhrases: [] });
    expect((await say('c1', 'hello')).data.answer).toBe('Hi there! Send /start to see what I can do.');
  });

  it('a close phrase from the client gives the conversation back to the bot, which answers it', async () => {
    await say('c2', 'operator');
    await stub.api.operatorReply('c2', { text: 'Anna here.' });
    // An operator who answers a waiting conversation holds it.
    expect((await conversation('c2')).body.takeover.handler).toBe('operator');
    expect((await say('c2', ' /CLOSE ')).data.answer).toBe('Goodbye!');
    expect((await conversation('c2')).body.takeover.handler).toBe('bot');
  });

  it('an operator can take a conversation straight from the bot, which drops its pending reply timeout', async () => {
    await say('c3', 'remind me');
    expect((await stub.api.stats()).body.pendingTimeouts).toBe(1);
    expect((await control('c3', 'takeover')).body).toMatchObject({ handler: 'operator', closeChatPhrases: [] });
    expect((await stub.api.stats()).body.pendingTimeouts).toBe(0);
    expect((await say('c3', '/start')).data.replies).toEqual([]);
  });
});

describe('the console\'s view of the channel', () => {
  it('lists clients in first-seen order with message count, last message and unread count', async () => {
    await say('first', 'hello');
    await say('second', 'hello');
    const { body, status } = await clients();
    expect(status).toBe(200);
    expect(body.clients.map((c: { clientId: string }) => c.clientId)).toEqual(['first', 'second']);
    expect(body.clients[0]).toMatchObject({ messageCount: 2, unreadCount: 1, lastMessage: { author: 'BOT', text: 'Hi there! Send /start to see what I can do.' }, takeover: { handler: 'bot' } });
    const conv = await conversation('first');
    expect(conv.body.messages.map((m: { author: string }) => m.author)).toEqual(['CLIENT', 'BOT']);
  });

  it('answers ?after=N once the channel changed, and after the long-poll time when it did not', async () => {
    const { version } = (await clients()).body as { version: number };
    const started = Date.now();
    const waiting = clients(version);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await say('live', 'hello');
    const answered = await waiting;
    expect(answered.body.version).toBeGreaterThan(version);
    expect(answered.body.clients.map((c: { clientId: string }) => c.clientId)).toEqual(['live']);
    expect(Date.now() - started).toBeLessThan(1_000);

    const idle = Date.now();
    const unchanged = await clients(answered.body.version);
    expect(unchanged.body.version).toBe(answered.body.version);
    expect(Date.now() - idle).toBeGreaterThanOrEqual(1_400);
  });

  it('fires a pending reply timeout at once (204), and says 409 when none is pending', async () => {
    await say('t1', 'remind me');
    const { version } = (await clients()).body as { version: number };
    expect((await control('t1', 'timeout')).status).toBe(204);
    const events = (await stub.api.events({ clientId: 't1', all: true, ts: 0 })).body.events as { type: string; event: { data: { answer: string } } }[];
    expect(events.at(-1)).toMatchObject({ type: 'botResponse', event: { data: { answer: 'Are you still there?' } } });
    expect((await clients()).body.version).toBeGreaterThan(version);
    expectError(await control('t1', 'timeout'), 409, 'stub.timeout.none_pending');
  });

  it('answers 404 for an unknown channel or client, and forgets clients on reset', async () => {
    expectError(await request('GET', `${stub.url}/_stub/channels/nope/clients`), 404, 'stub.channel.not_found');
    expectError(await conversation('never'), 404, 'chatapi.client.not_found');
    expectError(await control('never', 'takeover'), 404, 'chatapi.client.not_found');
    expectError(await request('GET', `${channel()}/clients?after=-1`), 400, 'chatapi.request.invalid');
    await say('gone', 'hello');
    await stub.api.reset();
    expect((await clients()).body.clients).toEqual([]);
  });
});

describe('the demo bot\'s assets', () => {
  it('point at the stub itself, which serves them', async () => {
    for (const query of ['image', 'audio', 'file', 'carousel']) {
      const reply = await say('assets', query);
      const urls = JSON.stringify(reply.data.replies).match(/https?:\/\/[^"]+/g) ?? [];
      expect(urls.length, query).toBeGreaterThan(0);
      for (const url of urls) {
        expect(url.startsWith(`${stub.url}/`), url).toBe(true);
        const served = await fetch(url.replace(/#.*$/, ''));
        expect(served.status, url).toBe(200);
      }
    }
    expect((await fetch(`${stub.url}/assets/nothing.png`)).status).toBe(404);
  });
});
