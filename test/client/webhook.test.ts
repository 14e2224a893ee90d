// The webhook receiver, as a node:http listener and as Express middleware: valid payloads reach
// the typed callback item by item; invalid, non-JSON and oversized ones are refused.
import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookHandler, webhookMiddleware } from '../../client/webhook/index.js';
import type { ChatResponse } from '../../client/index.js';
import { loadDescription } from '../../description/bundle.js';
import { SchemaValidator } from '../../description/schemas.js';
import { deref } from '../helpers/walk-description.js';

type Obj = Record<string, unknown>;
const document = loadDescription();
const validator = new SchemaValidator(document);

/** The webhook's named examples, straight from the bundled description. */
const webhookExamples = Object.entries(
  ((((document.webhooks?.chatApiMessage?.post as Obj).requestBody as Obj).content as Obj)['application/json'] as Obj).examples as Obj,
).map(([name, example]) => ({ name, value: deref<Obj>(document, example).value as ChatResponse[] }));

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function post(url: string, body: string, contentType = 'application/json') {
  return fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
}

const received: { item: ChatResponse; index: number }[] = [];
let failNext = false;
const errors: unknown[] = [];
const onItem = (item: ChatResponse, { index }: { index: number }) => {
  if (failNext) throw new Error('database down');
  received.push({ item, index });
};

const servers: Server[] = [];
const targets: Record<string, string> = {};

beforeAll(async () => {
  const options = { validator, limitBytes: 64 * 1024, onError: (error: unknown) => errors.push(error) };
  const plain = createServer(createWebhookHandler(onItem, options));
  const bare = express().post('/hook', webhookMiddleware(onItem, options));
  // With express.json() in front the middleware takes the parsed body.
  const parsed = express().use(express.json()).post('/hook', webhookMiddleware(onItem, options));
  servers.push(plain, createServer(bare), createServer(parsed));
  targets['node:http'] = `${await listen(servers[0]!)}/hook`;
  targets['express'] = `${await listen(servers[1]!)}/hook`;
  targets['express + express.json()'] = `${await listen(servers[2]!)}/hook`;
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

describe.each(['node:http', 'express', 'express + express.json()'])('webhook receiver (%s)', (kind) => {
  it.each(webhookExamples)('accepts the description example $name and calls back for each item in order', async ({ value }) => {
    received.length = 0;
    const response = await post(targets[kind]!, JSON.stringify(value));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: value.length, duplicates: 0 });
    expect(received.map((r) => r.index)).toEqual(value.map((_, i) => i));
    expect(received.map((r) => r.item)).toEqual(value);
  });

  it('answers 400 with the violations when an item breaks the schema, and calls nothing', async () => {
    received.length = 0;
    const [first] = webhookExamples[0]!.value;
    const { questionId: _dropped, ...withoutId } = first!;
    const response = await post(targets[kind]!, JSON.stringify([{ ...withoutId, timestamp: 'yesterday' }]));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; violations: { location: string; path: string }[] };
    expect(body.error).toBe('chatapi.webhook.invalid');
    // The description's Violation shape, as every error of the stub has it.
    expect(body.violations.every((v) => v.location === 'body')).toBe(true);
    expect(body.violations.map((v) => v.path)).toEqual(expect.arrayContaining(['/0/questionId', '/0/timestamp']));
    expect(validator.validateSchema('Error', body).valid).toBe(true);
    expect(received).toEqual([]);
  });

  it('answers 400 to an object instead of the array, and to an empty array', async () => {
    const object = await post(targets[kind]!, JSON.stringify(webhookExamples[0]!.value[0]));
    expect(object.status).toBe(400);
    expect(((await object.json()) as { violations: { message: string }[] }).violations[0]?.message).toBe('must be array');
    const empty = await post(targets[kind]!, '[]');
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { violations: { message: string }[] }).violations[0]?.message).toBe('must NOT have fewer than 1 items');
  });

  it('answers 500 when the callback fails, so that the sender retries', async () => {
    failNext = true;
    errors.length = 0;
    try {
      const response = await post(targets[kind]!, JSON.stringify(webhookExamples[0]!.value));
      expect(response.status).toBe(500);
      expect(((await response.json()) as { error: string }).error).toBe('chatapi.webhook.handler_failed');
      expect(String(errors[0])).toMatch(/database down/);
    } finally {
      failNext = false;
    }
  });
});

describe.each(['node:http', 'express'])('webhook receiver reading the raw body (%s)', (kind) => {
  it('answers 400 to a JSON body that does not parse, and 415 to a body that is not JSON', async () => {
    const response = await post(targets[kind]!, '[{"token": ');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'chatapi.webhook.invalid', message: 'The body is not JSON.' });
    const text = await post(targets[kind]!, JSON.stringify(webhookExamples[0]!.value), 'text/plain');
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ error: 'chatapi.webhook.unsupported_media_type', status: 415 });
  });

  it('answers 413 to a body over the limit', async () => {
    const item = { ...webhookExamples[0]!.value[0]!, data: { replies: [], answer: 'x'.repeat(70 * 1024) } };
    const response = await post(targets[kind]!, JSON.stringify([item]));
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toBe('chatapi.webhook.too_large');
  });
});

it('node:http receiver refuses other methods than POST', async () => {
  const response = await fetch(targets['node:http']!);
  expect(response.status).toBe(405);
});

it('node:http receiver answers 413 to a chunked body (no Content-Length) once it passes the limit', async () => {
  const { request } = await import('node:http');
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(targets['node:http']!, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    // The server may close the socket before the whole body is written: that is the point.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    for (let i = 0; i < 10; i++) req.write('x'.repeat(8 * 1024));
    req.end();
  });
  expect(status).toBe(413);
});

describe('acknowledging quickly and dropping duplicates, as the description advises a receiver', () => {
  it('answers 202 once the handlers take longer than acknowledgeAfterMs, and lets them finish', async () => {
    const done: string[] = [];
    const slow = createServer(
      createWebhookHandler(
        async (item) => {
          await new Promise((resolve) => setTimeout(resolve, 300));
          done.push(item.questionId);
        },
        { validator, acknowledgeAfterMs: 100 },
      ),
    );
    const url = await listen(slow);
    try {
      const value = webhookExamples[0]!.value;
      const started = performance.now();
      const response = await post(url, JSON.stringify(value));
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ accepted: value.length, duplicates: 0 });
      expect(performance.now() - started).toBeLessThan(300);
      expect(done).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 300 * value.length + 200));
      expect(done).toEqual(value.map((item) => item.questionId));
    } finally {
      await new Promise((resolve) => slow.close(resolve));
    }
  });

  it('with deduplicate, hands an item redelivered with the same questionId to the handler once', async () => {
    const seen: string[] = [];
    const server = createServer(createWebhookHandler((item) => void seen.push(item.questionId), { validator, deduplicate: true }));
    const url = await listen(server);
    try {
      const value = webhookExamples[0]!.value;
      expect(await (await post(url, JSON.stringify(value))).json()).toEqual({ received: value.length, duplicates: 0 });
      expect(await (await post(url, JSON.stringify(value))).json()).toEqual({ received: value.length, duplicates: value.length });
      expect(seen).toEqual(value.map((item) => item.questionId));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
