// Webhook deliveries against a local receiver: async replies, operator replies, retries with
// back-off, failures, per-channel URLs, the deliveries list — all through HTTP.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, expectSchema, sleep, startTestStub, webhookReceiver, type TestStub, type WebhookReceiver } from './helpers.js';

let stub: TestStub;
let receiver: WebhookReceiver | undefined;
beforeAll(async () => {
  // A generous attempt timeout: a loaded CI machine must not turn a slow 200 into a failed attempt.
  stub = await startTestStub({ webhookRetry: { attempts: 3, baseDelayMs: 50, timeoutMs: 2_000 } });
});
afterAll(() => stub.close());
afterEach(async () => {
  await stub.api.reset();
  await receiver?.close();
  receiver = undefined;
});

async function useReceiver(plan?: Parameters<typeof webhookReceiver>[0]): Promise<WebhookReceiver> {
  receiver = await webhookReceiver(plan);
  const settings = await stub.api.settings({ webhookUrl: receiver.url });
  expect(settings.status).toBe(200);
  return receiver;
}

type Delivery = { id: string; token: string; url: string; payload: any[]; state: string; attempts: { at: string; statusCode?: number; error?: string; durationMs: number }[] };

async function deliveryOf(questionId: string, state?: string): Promise<Delivery> {
  return eventually(async () => {
    const list = await stub.api.deliveries({ questionId });
    expect(list.status).toBe(200);
    const found = (list.body.deliveries as Delivery[])[0];
    return found && (state === undefined || found.state === state) ? found : undefined;
  }, 10_000);
}

describe('async replies', () => {
  it('posts the reply to the webhook as an array that validates against WebhookPayload', async () => {
    const hook = await useReceiver();
    const accepted = await stub.api.sendAsync({ clientId: 'w1', query: 'hello', cid: 'tab-1' });
    expect(accepted.status).toBe(200);
    const received = await eventually(() => hook.received[0]);
    expectSchema('WebhookPayload', received.body);
    const [item] = received.body as any[];
    expect(item).toMatchObject({ token: stub.tokens[0], clientId: 'w1', questionId: accepted.body.questionId, cid: 'tab-1', data: { answer: 'Hello, tester.' } });
    expect(received.headers['content-type']).toBe('application/json');
    const delivery = await deliveryOf(accepted.body.questionId, 'delivered');
    expect(delivery).toMatchObject({ token: stub.tokens[0], url: hook.url, state: 'delivered' });
    expect(delivery.payload).toEqual(received.body);
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0]).toMatchObject({ statusCode: 200 });
    expect(received.headers['x-chatapi-delivery']).toBe(delivery.id);
  });

  it('answers at once even when the webhook is slow', async () => {
    await useReceiver(() => 'hang');
    const started = Date.now();
    const accepted = await stub.api.sendAsync({ clientId: 'w2', query: 'hello' });
    expect(accepted.status).toBe(200);
    // Far below the receiver's 2 s hang: the answer did not wait for the delivery.
    expect(Date.now() - started).toBeLessThan(1_500);
    // Other requests are not held up either.
    const sync = await stub.api.send({ clientId: 'w2', query: 'hello' });
    expect(sync.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1_800);
  });

  it('does not post a synchronous reply to the webhook', async () => {
    const hook = await useReceiver();
    const sync = await stub.api.send({ clientId: 'w3', query: 'hello' });
    await sleep(150);
    expect(hook.received).toEqual([]);
    expect((await stub.api.deliveries({ questionId: sync.body.questionId })).body.deliveries).toEqual([]);
  });

  it('records nothing when the channel has no webhook URL', async () => {
    const accepted = await stub.api.sendAsync({ clientId: 'w4', query: 'hello' });
    await sleep(100);
    expect((await stub.api.deliveries({ questionId: accepted.body.questionId })).body.deliveries).toEqual([]);
  });
});

describe('retries', () => {
  it('retries a failed delivery with growing delays until it succeeds', async () => {
    const hook = await useReceiver((n) => (n < 2 ? 503 : 204));
    const accepted = await stub.api.sendAsync({ clientId: 'r1', query: 'hello' });
    const delivery = await deliveryOf(accepted.body.questionId, 'delivered');
    expect(delivery.attempts.map((a) => a.statusCode)).toEqual([503, 503, 204]);
    expect(delivery.attempts[0]!.error).toBe('HTTP 503');
    expect(hook.received).toHaveLength(3);
    expect(hook.received.map((r) => r.headers['x-chatapi-attempt'])).toEqual(['1', '2', '3']);
    // Exponential back-off: about 50 ms, then about 100 ms.
    const gap1 = hook.received[1]!.at - hook.received[0]!.at;
    const gap2 = hook.received[2]!.at - hook.received[1]!.at;
    expect(gap1).toBeGreaterThanOrEqual(45);
    expect(gap2).toBeGreaterThanOrEqual(95);
    // Every attempt carries the same payload.
    expect(hook.received[2]!.body).toEqual(hook.received[0]!.body);
  });

  it('gives up after the configured attempts and marks the delivery failed', async () => {
    const hook = await useReceiver(() => 500);
    const accepted = await stub.api.sendAsync({ clientId: 'r2', query: 'hello' });
    const delivery = await deliveryOf(accepted.body.questionId, 'failed');
    expect(delivery.attempts).toHaveLength(3);
    expect(delivery.attempts.every((a) => a.statusCode === 500 && a.error === 'HTTP 500')).toBe(true);
    await sleep(300);
    expect(hook.received).toHaveLength(3);
  });

  it('counts a receiver that does not answer in time, or drops the connection, as a failed attempt', async () => {
    await useReceiver((n) => (n === 0 ? 'hang' : n === 1 ? 'drop' : 200));
    const accepted = await stub.api.sendAsync({ clientId: 'r3', query: 'hello' });
    const delivery = await deliveryOf(accepted.body.questionId, 'delivered');
    expect(delivery.attempts).toHaveLength(3);
    expect(delivery.attempts[0]!.error).toContain('no answer within 2000 ms');
    expect(delivery.attempts[0]!.statusCode).toBeUndefined();
    expect(delivery.attempts[1]!.error).toBeTruthy();
    expect(delivery.attempts[2]!.statusCode).toBe(200);
  });

  it('fails on a URL where nothing listens, after every attempt', async () => {
    const closed = await webhookReceiver();
    await closed.close();
    await stub.api.settings({ webhookUrl: closed.url });
    const accepted = await stub.api.sendAsync({ clientId: 'r4', query: 'hello' });
    const delivery = await deliveryOf(accepted.body.questionId, 'failed');
    expect(delivery.attempts).toHaveLength(3);
    expect(delivery.attempts[0]!.error).toMatch(/ECONNREFUSED|fetch failed/);
  });

  it('a reset cancels pending retries', async () => {
    const hook = await useReceiver(() => 500);
    const accepted = await stub.api.sendAsync({ clientId: 'r5', query: 'hello' });
    await eventually(() => hook.received[0]);
    await stub.api.reset();
    await sleep(250);
    expect(hook.received).toHaveLength(1);
    expect((await stub.api.deliveries({ questionId: accepted.body.questionId })).body.deliveries).toEqual([]);
  });
});

describe('payload checks', () => {
  it('never sends a payload that breaks WebhookPayload: the delivery fails without an attempt, and the stub logs it', async () => {
    const hook = await webhookReceiver();
    const loose = await startTestStub({ validateResponses: false, webhookUrl: hook.url });
    try {
      const accepted = await loose.api.sendAsync({ clientId: 'p1', query: 'link a b' });
      expect(accepted.status).toBe(200);
      const delivery = await eventually(async () => {
        const found = (await loose.api.deliveries({ questionId: accepted.body.questionId })).body.deliveries[0];
        return found?.state === 'failed' ? found : undefined;
      });
      expect(delivery.attempts).toEqual([]);
      expect(delivery.error).toContain('imageUrl');
      expect(hook.received).toEqual([]);
      expect(loose.errors.join('\n')).toContain('not sent');
    } finally {
      await loose.close();
      await hook.close();
    }
  });
});

describe('channel webhook URLs', () => {
  it('uses the URL configured at start (CHATAPI_WEBHOOK_URL) and the one set per token through the control API', async () => {
    const fromConfig = await webhookReceiver();
    const perToken = await webhookReceiver();
    const two = await startTestStub({ tokens: ['chan-a', 'chan-b'], webhookUrl: fromConfig.url });
    try {
      expect((await two.api.settings(undefined, 'chan-b')).body).toEqual({ token: 'chan-b', webhookUrl: fromConfig.url, blockTextInputWithButtons: false });
      expect((await two.api.settings({ webhookUrl: perToken.url }, 'chan-b')).body.webhookUrl).toBe(perToken.url);
      await two.api.operatorReply('c', { text: 'to a' }, 'chan-a');
      await two.api.operatorReply('c', { text: 'to b' }, 'chan-b');
      await eventually(() => (fromConfig.received.length === 1 && perToken.received.length === 1 ? true : undefined));
      expect((fromConfig.received[0]!.body as any[])[0].data.answer).toBe('to a');
      expect((perToken.received[0]!.body as any[])[0].data.answer).toBe('to b');
      const onlyB = (await two.api.deliveries({ token: 'chan-b' })).body.deliveries as Delivery[];
      expect(onlyB.map((d) => d.token)).toEqual(['chan-b']);
      // null removes the URL; a reset brings back the configured one.
      expect((await two.api.settings({ webhookUrl: null }, 'chan-a')).body.webhookUrl).toBeNull();
      await two.api.reset();
      expect((await two.api.settings(undefined, 'chan-a')).body.webhookUrl).toBe(fromConfig.url);
    } finally {
      await two.close();
      await fromConfig.close();
      await perToken.close();
    }
  });

  it('rejects settings that are not allowed, and unknown channels', async () => {
    const bad = await stub.api.settings({ webhookUrl: 'ftp://example.com/hook' });
    expect(bad.status).toBe(400);
    expectSchema('Error', bad.body);
    const wrongType = await stub.api.settings({ blockTextInputWithButtons: 'yes' });
    expect(wrongType.status).toBe(400);
    const extra = await stub.api.settings({ colour: 'red' });
    expect(extra.status).toBe(400);
    const unknown = await stub.api.settings(undefined, 'no-such-token');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('stub.channel.not_found');
    expectSchema('Error', unknown.body);
  });
});

describe('the deliveries list', () => {
  it('filters by client (clientId), as the operator console asks for the selected client', async () => {
    await useReceiver();
    for (const clientId of ['list-a', 'list-b', 'list-a']) expect((await stub.api.operatorReply(clientId, { text: `to ${clientId}` })).status).toBe(200);
    const ofA = await eventually(async () => {
      const list = (await stub.api.deliveries({ clientId: 'list-a', token: stub.tokens[0]! })).body.deliveries as (Delivery & { clientId: string })[];
      return list.length === 2 ? list : undefined;
    }, 10_000);
    expect(ofA.map((d) => [d.clientId, d.payload[0].data.replies[0].text])).toEqual([
      ['list-a', 'to list-a'],
      ['list-a', 'to list-a'],
    ]);
    expect((await stub.api.deliveries({ clientId: 'list-b' })).body.deliveries).toHaveLength(1);
    expect((await stub.api.deliveries({ clientId: 'nobody' })).body.deliveries).toEqual([]);
    expect((await stub.api.deliveries({ clientId: '' })).status).toBe(400);
  });
});
