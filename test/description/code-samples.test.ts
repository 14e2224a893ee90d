// The docs' code samples (x-codeSamples, written at bundle time by openapi/plugins/code-samples.js
// from the description's own examples): one curl and one TypeScript sample per operation; the
// TypeScript ones compile against the typed client as a user imports it, and the curl ones work,
// as written, against the stub (only the host is the stub's). The stub's control API gets curl and
// fetch samples the same way (its own Redocly config), checked the same way.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookHandler } from '../../client/webhook/index.js';
import { startStub, type RunningStub } from '../../server-stub/index.js';
import { loadDescription, packageRoot } from '../../description/bundle.js';
import { runCommand } from '../helpers/run-command.js';
import { operations } from '../helpers/walk-description.js';

const document = loadDescription();
const ops = operations(document);
const controlFile = join(packageRoot(), 'reports', 'control-api.bundle.json');
const controlOps = () => operations(JSON.parse(readFileSync(controlFile, 'utf8')) as never);

beforeAll(async () => {
  mkdirSync(join(packageRoot(), 'reports'), { recursive: true });
  const bundled = await runCommand('npx', ['redocly', 'bundle', '--config', 'server-stub/control-api.redocly.yaml', 'server-stub/control-api.yaml', '-o', controlFile]);
  expect(bundled.code, bundled.stderr).toBe(0);
}, 60_000);
interface Sample {
  lang: string;
  label: string;
  source: string;
}
const samplesOf = (operation: Record<string, unknown>) => (operation['x-codeSamples'] ?? []) as Sample[];
const sample = (operation: Record<string, unknown>, lang: string) => samplesOf(operation).find((s) => s.lang === lang)!;

describe('code samples in the bundle', () => {
  it('every operation and webhook, and every control API operation, has one curl and one TypeScript sample', () => {
    expect(ops.length).toBeGreaterThan(10);
    expect(controlOps().length).toBeGreaterThan(8);
    for (const op of [...ops, ...controlOps()]) {
      expect(samplesOf(op.operation).map((s) => s.lang), `${op.method} ${op.name}`).toEqual(['curl', 'TypeScript']);
    }
  });

  it('the TypeScript samples compile against chatapi-contract/client and /webhook (tsc, strict)', async () => {
    const dir = join(packageRoot(), 'reports', 'code-samples');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const op of ops) writeFileSync(join(dir, `${String(op.operation.operationId)}.ts`), sample(op.operation, 'TypeScript').source + '\n');
    // The fetch samples import nothing: `export {}` makes each file a module (top-level await).
    for (const op of controlOps()) writeFileSync(join(dir, `control-${String(op.operation.operationId)}.ts`), `${sample(op.operation, 'TypeScript').source}\nexport {};\n`);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { noEmit: true }, include: ['*.ts'] }));
    const result = await runCommand('npx', ['tsc', '-p', join(dir, 'tsconfig.json')]);
    expect(result.stdout + result.stderr, 'tsc output').toBe('');
    expect(result.code).toBe(0);
  }, 60_000);
});

describe('the curl samples against the stub', () => {
  const run = promisify(execFile);
  const base = (document as unknown as { servers: { url: string }[] }).servers[0]!.url;
  const webhookUrl = 'http://127.0.0.1:4000/chatapi-webhook';
  let stub: RunningStub;
  let receiver: Server;
  let receiverUrl: string;
  const received: unknown[] = [];

  beforeAll(async () => {
    // The samples use the first example token: the stub accepts it.
    const token = /\/chatapi\/([^/?']+)/.exec(sample(ops[0]!.operation, 'curl').source)![1]!;
    stub = await startStub({ port: 0, host: '127.0.0.1', tokens: [decodeURIComponent(token), 'chatapi-dev-token'], longPollMs: 200, log: () => undefined, logError: () => undefined });
    receiver = createServer(createWebhookHandler(async (item) => void received.push(item)));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/chatapi-webhook`;
  });
  afterAll(async () => {
    await stub?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  /** Runs a sample with the host swapped; prints the status on a last line of its own. */
  async function curl(source: string, from: string, to: string): Promise<{ status: number; body: string }> {
    expect(source).toContain(from);
    const { stdout } = await run('sh', ['-c', `${source.split(from).join(to)} -w '\\n%{http_code}'`]);
    const lines = stdout.split('\n');
    return { status: Number(lines.pop()), body: lines.join('\n') };
  }

  it.each(ops.filter((op) => op.kind === 'path').map((op) => [`${op.method.toUpperCase()} ${op.name}`, op] as const))('%s answers a documented status below 500', async (_label, op) => {
    const { status, body } = await curl(sample(op.operation, 'curl').source, base, stub.url);
    expect(Object.keys(op.operation.responses as object), body).toContain(String(status));
    expect(status, body).toBeLessThan(500);
    // The examples use a client that exists once the first sample (sendMessage) ran; only ids made up by examples are 404.
    if (status >= 400) expect(status, body).toBe(404);
  });

  it('the control API\'s samples answer documented statuses below 500, in order (reset last)', async () => {
    const control = controlOps();
    const controlBase = (JSON.parse(readFileSync(controlFile, 'utf8')) as { servers: { url: string }[] }).servers[0]!.url;
    for (const op of [...control.filter((o) => o.operation.operationId !== 'reset'), ...control.filter((o) => o.operation.operationId === 'reset')]) {
      const { status, body } = await curl(sample(op.operation, 'curl').source, controlBase, stub.url);
      const label = String(op.operation.operationId);
      expect(Object.keys(op.operation.responses as object), `${label}: ${body}`).toContain(String(status));
      // Only firing a timeout that the examples never scheduled is refused (409).
      if (status >= 400) expect([label, status]).toEqual(['fireReplyTimeout', 409]);
    }
  });

  it('the webhook sample posts its example payload, which the receiver accepts', async () => {
    const op = ops.find((o) => o.kind === 'webhook')!;
    const { status, body } = await curl(sample(op.operation, 'curl').source, webhookUrl, receiverUrl);
    expect(status, body).toBe(200);
    expect(received.length).toBeGreaterThan(0);
  });
});

describe('the docs the stub serves (/docs, /_stub/docs)', () => {
  const run = promisify(execFile);
  let stub: RunningStub;
  // As `npm start` runs it: the development token only, on a port of its own.
  beforeAll(async () => {
    stub = await startStub({ port: 0, host: '127.0.0.1', longPollMs: 200, log: () => undefined, logError: () => undefined });
  });
  afterAll(async () => {
    await stub?.close();
  });

  /** The description a rendered page hands to Redoc (`const __redoc_definition = {…};`, one line). */
  async function servedDefinition(path: string): Promise<{ servers: { url: string; description?: string }[]; paths: Record<string, Record<string, { operationId?: string; 'x-codeSamples'?: Sample[] }>> }> {
    const html = await (await fetch(stub.url + path)).text();
    const line = /const __redoc_definition = (.*);\n/.exec(html)?.[1];
    expect(line, `${path} has no Redoc definition`).toBeDefined();
    return JSON.parse(line!) as never;
  }

  it('list the stub that serves them, without Markdown marks in the server descriptions', async () => {
    for (const path of ['/docs', '/_stub/docs']) {
      const { servers } = await servedDefinition(path);
      expect(servers.map((s) => s.url), path).toContain(stub.url);
      for (const server of servers) expect(server.description ?? '', path).not.toContain('`');
    }
  });

  it('have samples that call the stub with its token, and the curl one of a send works as written', async () => {
    const realServer = (document as unknown as { servers: { url: string }[] }).servers[0]!.url;
    const chat = await servedDefinition('/docs');
    const control = await servedDefinition('/_stub/docs');
    const samples = [chat, control].flatMap((d) => Object.values(d.paths).flatMap((item) => Object.values(item).flatMap((op) => op['x-codeSamples'] ?? [])));
    expect(samples.length).toBeGreaterThan(20);
    for (const s of samples) {
      expect(s.source).toContain(stub.url);
      expect(s.source).not.toContain(realServer);
      expect(s.source).not.toContain('127.0.0.1:3000');
    }
    const send = Object.values(chat.paths).flatMap((item) => Object.values(item)).find((op) => op.operationId === 'sendMessage')!;
    const curl = send['x-codeSamples']!.find((s) => s.lang === 'curl')!.source;
    expect(curl).toContain(`${stub.url}/chatapi/chatapi-dev-token`);
    const { stdout } = await run('sh', ['-c', `${curl} -w '\\n%{http_code}'`]);
    expect(stdout.split('\n').pop(), stdout).toBe('200');
  });
});
