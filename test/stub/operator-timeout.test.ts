// Operator replies injected through the control API, and timeout replies, through HTTP.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually, expectError, expectSchema, sleep, startTestStub, webhookReceiver, type TestStub, type WebhookReceiver } from './helpers.js';

let stub: TestStub;
let hook: WebhookReceiver;
beforeAll(async () => {
  hook = await webhookReceiver();
  stub = await startTestStub({ webhookUrl: hook.url, longPollMs: 2_000 });
});
afterAll(async () => {
  await stub.close();
  await hook.close();
});
beforeEach(async () => {
  await stub.api.reset();
  hook.received.length = 0;
});

describe('operator replies', () => {
  it('reach the client as an event, the webhook and the history', async () => {
    const poll = stub.api.events({ clientId: 'o1' });
    await sleep(50);
    const injected = await stub.api.operatorReply('o1', { text: 'Hello, this is Anna.' });
    expect(injected.status).toBe(200);
    expectSchema('ChatResponse', injected.body);
    expect(injected.body.questionId).toMatch(/^op-/);
    expect(injected.body.data).toEqual({ replies: [{ type: 'text', text: 'Hello, this is Anna.' }], answer: 'Hello, this is Anna.' });

    const events = await poll;
    expect(events.body.events).toEqual([{ type: 'operatorResponse', ts: expect.any(Number), event: injected.body }]);

    const received = await eventually(() => hook.received[0]);
    expectSchema('WebhookPayload', received.body);
    expect(received.body).toEqual([injected.body]);

    const history = await stub.api.history('o1');
    expect(history.body.messages).toEqual([
      expect.objectContaining({ questionId: injected.body.questionId, author: 'OPERATOR', status: 'SENT', text: 'Hello, this is Anna.' }),
    ]);
  });

  it('accept any replies', async () => {
    const replies = [
      { type: 'text', text: 'Here is the form.' },
      { type: 'file', fileUrl: 'https://example.com/form.pdf', fileName: 'form.pdf' },
      { type: 'buttons', buttons: [{ text: 'Thanks' }] },
    ];
    const injected = await stub.api.operatorReply('o2', { replies });
    expect(injected.status).toBe(200);
    expect(injected.body.data.replies).toEqual(replies);
    expect(injected.body.data.answer).toBe('Here is the form.');
  });

  it('reject bodies that are neither a text nor replies, bad replies and unknown channels', async () => {
    for (const body of [{}, { text: '' }, { text: 'a', replies: [{ type: 'text', text: 'b' }] }, { replies: [] }, { replies: [{ type: 'image' }] }, { replies: [{ type: 'telepathy' }] }]) {
      expectError(await stub.api.operatorReply('o3', body), 400, 'chatapi.request.invalid');
    }
    expectError(await stub.api.operatorReply('o3', { text: 'hi' }, 'no-such-token'), 404, 'stub.channel.not_found');
  });
});

describe('timeout replies', () => {
  it('when the client stays silent, the bot goes to the target state: an event, a webhook delivery and a history message', async () => {
    const sent = await stub.api.send({ clientId: 't1', query: 'remind me' });
    expect(sent.body.data.replies).toContainEqual({ type: 'timeout', interval: 0.3, targetState: '/Reminder', state: '/Remind' });
    expect((await stub.api.stats()).body.pendingTimeouts).toBe(1);
    // Events newer than the reply: the poll is held until the timeout fires.
    const poll = await stub.api.events({ clientId: 't1', all: true, ts: Date.parse(`${sent.body.timestamp}Z`) });
    expect(poll.body.events).toHaveLength(1);
    const [event] = poll.body.events;
    expect(event.type).toBe('botResponse');
    expectSchema('ChatResponse', event.event);
    expect(event.event).toMatchObject({ clientId: 't1', data: { nlpClass: '/Reminder', answer: 'Are you still there?', replies: [{ type: 'text', text: 'Are you still there?', state: '/Reminder' }] } });
    expect(event.event.questionId).not.toBe(sent.body.questionId);
    const elapsed = Date.parse(`${event.event.timestamp}Z`) - Date.parse(`${sent.body.timestamp}Z`);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1_500);

    const received = await eventually(() => hook.received[0]);
    expect(received.body).toEqual([event.event]);
    const history = await stub.api.history('t1');
    expect(history.body.messages.map((m: { author: string; text?: string }) => `${m.author}:${m.text}`)).toEqual([
      'CLIENT:remind me',
      'BOT:I will check on you.',
      'BOT:Are you still there?',
    ]);
    expect((await stub.api.stats()).body.pendingTimeouts).toBe(0);
  });

  it('does not fire when the client writes within the interval', async () => {
    await stub.api.send({ clientId: 't2', query: 'remind me' });
    await sleep(100);
    await stub.api.send({ clientId: 't2', query: 'hello' });
    expect((await stub.api.stats()).body.pendingTimeouts).toBe(0);
    await sleep(400);
    const history = await stub.api.history('t2');
    expect(history.body.messages.map((m: { text?: string }) => m.text)).not.toContain('Are you still there?');
    expect(hook.received).toEqual([]);
  });

  it('is cancelled by a reset', async () => {
    await stub.api.send({ clientId: 't3', query: 'remind me' });
    await stub.api.reset();
    await sleep(400);
    expect((await stub.api.history('t3')).body.messages).toEqual([]);
    expect(hook.received).toEqual([]);
  });
});
