// Helpers for the server stub's tests: start a stub on an ephemeral loopback port with short
// timings, talk to it over HTTP, check bodies against the description, receive webhooks.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect } from 'vitest';
import { startStub, type RunningStub, type StubInternals, type StubOptions } from '../../server-stub/index.js';
import { packageRoot } from '../../description/bundle.js';
import { SchemaValidator } from '../../description/schemas.js';

export const TOKEN = 'chatapi-dev-token';
export const TEST_BOT = join(packageRoot(), 'test', 'stub', 'fixtures', 'test-bot.yaml');

let validator: SchemaValidator | undefined;
/** Ajv over the bundle: an independent check of what the stub sends. */
export function schemas(): SchemaValidator {
  return (validator ??= new SchemaValidator());
}

export function expectSchema(name: string, value: unknown): void {
  const result = schemas().validateSchema(name, value);
  expect(result.violations, `${name}: ${JSON.stringify(value).slice(0, 500)}`).toEqual([]);
}

export interface TestStub extends RunningStub {
  api: Api;
  errors: string[];
}

/** A stub with the test bot, short long polls and quick retries; errors it logs are collected. */
export async function startTestStub(options: StubOptions & StubInternals = {}): Promise<TestStub> {
  const errors: string[] = [];
  const stub = await startStub({
    port: 0,
    host: '127.0.0.1',
    botScriptPath: TEST_BOT,
    longPollMs: 400,
    webhookRetry: { attempts: 3, baseDelayMs: 30, timeoutMs: 400 },
    logError: (line) => errors.push(line),
    log: () => undefined,
    ...options,
  });
  return Object.assign(stub, { api: new Api(stub.url, stub.tokens[0]!), errors });
}

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

export interface RequestOptions {
  json?: unknown;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function request<T = any>(method: string, url: string, options: RequestOptions = {}): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | Uint8Array | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(url, { method, headers, body: body as BodyInit | undefined, signal: options.signal ?? AbortSignal.timeout(15_000) });
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed as T };
}

/** The Chat API of one channel, plus the control API. */
export class Api {
  constructor(
    readonly base: string,
    readonly token: string,
  ) {}

  url(path: string): string {
    return `${this.base}/chatapi/${encodeURIComponent(this.token)}${path}`;
  }

  send(body: unknown, path = '') {
    return request('POST', this.url(path), { json: body });
  }

  sendAsync(body: unknown) {
    return this.send(body, '/async');
  }

  get(path: string, options?: RequestOptions) {
    return request('GET', this.url(path), options);
  }

  post(path: string, json: unknown) {
    return request('POST', this.url(path), { json });
  }

  events(params: Record<string, string | number | boolean>, options?: RequestOptions) {
    const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
    return this.get(`/events?${query}`, options);
  }

  history(clientId: string, params: Record<string, number> = {}) {
    const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
    return this.get(`/client/${encodeURIComponent(clientId)}/history${query.size ? `?${query}` : ''}`);
  }

  operatorReply(clientId: string, body: unknown, token = this.token) {
    return request('POST', `${this.base}/_stub/channels/${encodeURIComponent(token)}/clients/${encodeURIComponent(clientId)}/operator-replies`, { json: body });
  }

  settings(body?: unknown, token = this.token) {
    const url = `${this.base}/_stub/channels/${encodeURIComponent(token)}/settings`;
    return body === undefined ? request('GET', url) : request('PUT', url, { json: body });
  }

  deliveries(params: Record<string, string> = {}) {
    const query = new URLSearchParams(params);
    return request('GET', `${this.base}/_stub/deliveries${query.size ? `?${query}` : ''}`);
  }

  stats() {
    return request('GET', `${this.base}/_stub/stats`);
  }

  reset() {
    return request('POST', `${this.base}/_stub/reset`);
  }
}

/** Asserts an error answer: JSON, the description's Error schema, the status repeated, no stack trace. */
export function expectError(result: HttpResult, status: number, code: string): void {
  expect(result.status, result.text).toBe(status);
  expect(result.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  expectSchema('Error', result.body);
  expect(result.body.error).toBe(code);
  expect(result.body.status).toBe(status);
  expect(result.text).not.toMatch(/\bat .+\.(js|ts):\d+/);
  expect(result.text).not.toMatch(/<html|<!DOCTYPE/i);
}

/** Polls `check` until it returns a value (not undefined), for at most `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 3_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export interface ReceivedWebhook {
  at: number;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** What the receiver does with request number n (0-based): answer with a status, hang, or drop the connection. */
export type ReceiverPlan = (n: number) => number | 'hang' | 'drop';

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  close(): Promise<void>;
}

/** A webhook endpoint on loopback that records what it gets. */
export async function webhookReceiver(plan: ReceiverPlan = () => 200): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const n = received.length;
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      received.push({ at: Date.now(), headers: req.headers, body });
      const action = plan(n);
      if (action === 'hang') hanging.push(res);
      else if (action === 'drop') req.socket.destroy();
      else res.writeHead(action).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    received,
    close: () =>
      new Promise((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
