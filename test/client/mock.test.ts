// The Prism mock serves every operation of the description with responses valid against it:
// the examples by default, a named one with `Prefer: example=`, a documented error with
// `Prefer: code=`, and generated data (fixed seed) under `npm run mock:dynamic`'s entry point.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startPrism, type RunningPrism } from '../../mock/prism.js';
import { loadDescription, packageRoot } from '../../description/bundle.js';
import { describeOperation, describeOperations, type NamedExample, type OperationSpec } from '../../description/operations.js';
import { SchemaValidator } from '../../description/schemas.js';
import { spawnGroup } from '../helpers/process-group.js';

type Obj = Record<string, unknown>;
const document = loadDescription();
const validator = new SchemaValidator(document);
const pathOperations = describeOperations(document).filter((op) => op.kind === 'path');
const label = describeOperation;

/** Query parameters the description declares mutually exclusive (in prose): send only the first. */
const EXCLUSIVE = [['query', 'event']];

const firstExample = (examples: NamedExample[] | undefined): unknown => examples?.[0]?.value;

/** A valid request for the operation, built from the examples of its parameters and body. */
function exampleRequest(op: OperationSpec): { path: string; init: RequestInit } {
  let path = op.path;
  const query = new URLSearchParams();
  for (const parameter of op.parameters) {
    const value = firstExample(parameter.examples);
    if (value === undefined) {
      expect(parameter.required, `${label(op)}: required parameter ${parameter.name} has no example`).not.toBe(true);
      continue;
    }
    const name = parameter.name;
    if (parameter.in === 'path') path = path.replace(`{${name}}`, encodeURIComponent(String(value)));
    if (parameter.in === 'query') {
      const excluded = EXCLUSIVE.some((group) => group.includes(name) && group.some((other) => other !== name && query.has(other)));
      if (!excluded) query.set(name, String(value));
    }
  }
  const init: RequestInit = { method: op.method.toUpperCase() };
  if (op.requestBody) {
    init.body = JSON.stringify(firstExample(op.requestBody.examples));
    init.headers = { 'content-type': op.requestBody.mediaType };
  }
  return { path: query.size ? `${path}?${query}` : path, init };
}

/** The documented response of a status: its JSON schema's pointer and its JSON examples. */
function documentedResponse(op: OperationSpec, status: string): { schemaPointer: string; examples: NamedExample[] } {
  const response = op.responses.find((r) => r.key === status)!;
  return { schemaPointer: response.content['application/json']!, examples: response.examples['application/json'] ?? [] };
}

const statuses = (op: OperationSpec) => op.responses.map((r) => r.key);
const successStatus = (op: OperationSpec) => statuses(op).find((s) => s.startsWith('2'))!;

async function call(baseUrl: string, op: OperationSpec, prefer?: string) {
  const { path, init } = exampleRequest(op);
  const response = await fetch(`${baseUrl}${path}`, { ...init, headers: { ...(init.headers as Obj), ...(prefer ? { prefer } : {}) } as HeadersInit });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: text ? (JSON.parse(text) as unknown) : undefined };
}

it('the description has the eleven operations of the Chat API', () => {
  expect(pathOperations.map((op) => op.operationId).sort()).toEqual(
    [
      'getEvents', 'getHistory', 'getMessageStatus', 'getNotReadCount', 'loadState', 'saveState',
      'sendMessage', 'sendMessageAsync', 'sendMessageSimple', 'setMessageStatus', 'setMessageStatuses',
    ].sort(),
  );
});

describe('Prism mock (examples)', () => {
  let prism: RunningPrism;
  beforeAll(async () => {
    prism = await startPrism();
  });
  afterAll(async () => {
    await prism?.close();
  });

  it.each(pathOperations.map((op) => ({ op, name: label(op) })))('$name answers with a valid response', async ({ op }) => {
    const status = successStatus(op);
    const result = await call(prism.url, op);
    expect(result.status).toBe(Number(status));
    expect(result.type).toMatch(/^application\/json/);
    const { schemaPointer } = documentedResponse(op, status);
    expect(validator.validate(schemaPointer, result.body).violations).toEqual([]);
  });

  const namedExamples = pathOperations.flatMap((op) => {
    const status = successStatus(op);
    return documentedResponse(op, status).examples.map(({ name: example, value }) => ({ op, example, value, name: `${op.operationId} example=${example}` }));
  });

  it.each(namedExamples)('Prefer: $name serves that example', async ({ op, example, value }) => {
    const result = await call(prism.url, op, `example=${example}`);
    expect(result.status).toBe(Number(successStatus(op)));
    expect(result.body).toEqual(value);
  });

  const errorCases = pathOperations.flatMap((op) =>
    statuses(op)
      .filter((s) => !s.startsWith('2'))
      .map((status) => ({ op, status, name: `${op.operationId} code=${status}` })),
  );

  it.each(errorCases)('Prefer: $name answers that status with a valid Error body', async ({ op, status }) => {
    const result = await call(prism.url, op, `code=${status}`);
    expect(result.status).toBe(Number(status));
    const { examples, schemaPointer } = documentedResponse(op, status);
    expect(validator.validate(schemaPointer, result.body).violations).toEqual([]);
    expect(result.body).toEqual(firstExample(examples));
  });

  it('Prefer: code and example together pick one error example', async () => {
    const op = pathOperations.find((o) => o.operationId === 'getMessageStatus')!;
    const result = await call(prism.url, op, 'code=404, example=unknownMessage');
    expect(result.status).toBe(404);
    expect((result.body as Obj).error).toBe('chatapi.message.not_found');
  });

  it('an invalid request gets a 400 with the description Error body', async () => {
    const response = await fetch(`${prism.url}/chatapi/chatapi-dev-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'user-42' }),
    });
    expect(response.status).toBe(400);
    expect(validator.validateSchema('Error', await response.json()).valid).toBe(true);
  });
});

describe('mock/main.ts (npm run mock:dynamic)', () => {
  it('serves generated data valid for every operation on MOCK_PORT, and stops Prism on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(join(packageRoot(), 'node_modules', '.bin', 'tsx'), ['mock/main.ts', '--dynamic'], {
      cwd: packageRoot(),
      env: { ...process.env, MOCK_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = `http://127.0.0.1:${port}`;
    try {
      await expect.poll(() => output, { timeout: 30_000, interval: 100 }).toContain(`on ${url}`);
      expect(output).toContain('dynamic data');
      for (const op of pathOperations) {
        const status = successStatus(op);
        const result = await call(url, op);
        expect(result.status, label(op)).toBe(Number(status));
        // Against the real description, not the mock's patched copy (see mock/main.ts).
        expect(validator.validate(documentedResponse(op, status).schemaPointer, result.body).violations, label(op)).toEqual([]);
      }
      // Generated, not the examples; and with the fixed seed the same request gets the same data.
      const send = pathOperations.find((o) => o.operationId === 'sendMessage')!;
      const [first, again] = [await call(url, send), await call(url, send)];
      expect(first.body).not.toEqual(firstExample(documentedResponse(send, '200').examples));
      expect(again.body).toEqual(first.body);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    // Prism found nothing wrong with its own generated responses either.
    expect(output).not.toContain('Violation');
    // Prism went with it: nothing answers on the port any more.
    await expect(fetch(`${url}/chatapi/t/client/c/message-not-read-count`)).rejects.toThrow();
  }, 60_000);
});

describe('npm run mock, as started from a shell', () => {
  it('accepts connections only once Prism answers: from the spawn on, every request is refused or answered 200, never 502 or 503', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const mock = spawnGroup('npm', ['run', 'mock'], { cwd: packageRoot(), env: { MOCK_PORT: String(port) } });
    const seen: string[] = [];
    try {
      const deadline = Date.now() + 60_000;
      while (!seen.includes('200') && Date.now() < deadline) {
        const status = await fetch(`${url}/chatapi/t/client/c/message-not-read-count`).then(
          (response) => String(response.status),
          () => 'refused',
        );
        if (seen.at(-1) !== status) seen.push(status);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // A connection refused while Prism starts, then answers: nothing in between.
      expect(seen).toEqual(['refused', '200']);
      expect(mock.output()).toContain(`Chat API mock (examples) on ${url}`);
    } finally {
      await mock.stop();
    }
    await expect(fetch(`${url}/chatapi/t/client/c/message-not-read-count`)).rejects.toThrow();
  }, 90_000);

  it('says at once, in one line, that its port is taken (exit 2, no Prism left behind)', async () => {
    const busy = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => busy.once('listening', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const child = spawn(join(packageRoot(), 'node_modules', '.bin', 'tsx'), ['mock/main.ts'], { cwd: packageRoot(), env: { ...process.env, MOCK_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(2);
      expect(stderr.trim()).toBe(`chatapi-mock: 127.0.0.1:${port} is in use: stop what listens there, or choose another port`);
    } finally {
      busy.close();
    }
  }, 30_000);
});
