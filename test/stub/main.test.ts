// `npm start`'s entry, run as `node build/server-stub/main.js` (compiled by `npm run build`, which
// `npm test` runs first): what it prints, what it serves, and a clean SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUNDLE_JSON, packageRoot } from '../../description/bundle.js';
import { runCommand } from '../helpers/run-command.js';
import { eventually, expectSchema, request } from './helpers.js';

const MAIN = join(packageRoot(), 'build', 'server-stub', 'main.js');

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
  startupMs: number;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Spawns the compiled stub and polls POST /chatapi/{token} until the first 200, like a benchmark would. */
async function startMain(env: NodeJS.ProcessEnv = {}, token = 'chatapi-dev-token'): Promise<Started> {
  expect(existsSync(MAIN), `${MAIN} is missing: run \`npm run build\` (npm test does)`).toBe(true);
  const started = performance.now();
  // PORT=0 and the address the stub prints: a port picked here and freed could be taken by a test
  // in the other worker before the stub binds it.
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let url: string | undefined;
  for (;;) {
    url ??= /server stub on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    if (url === undefined) {
      if (child.exitCode !== null) throw new Error(`the stub exited with ${child.exitCode}:\n${output}`);
      if (performance.now() - started > 15_000) throw new Error(`no address printed within 15 s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      continue;
    }
    if (child.exitCode !== null) throw new Error(`the stub exited with ${child.exitCode}:\n${output}`);
    if (performance.now() - started > 15_000) throw new Error(`no 200 within 15 s:\n${output}`);
    try {
      const result = await request('POST', `${url}/chatapi/${encodeURIComponent(token)}`, { json: { clientId: 'probe', query: 'hello' } });
      if (result.status === 200) {
        expectSchema('ChatResponse', result.body);
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { child, url, output: () => output, startupMs: performance.now() - started, exit };
}

describe('node build/server-stub/main.js', () => {
  it('starts without configuration, prints its URLs and dev token, serves docs and descriptions, and stops cleanly on SIGTERM', async () => {
    const stub = await startMain({ CHATAPI_LONG_POLL_MS: '30000' });
    // Start-up to the first validated 200 (the target is 600 ms on an idle machine; bounded loosely here).
    console.log(`stub start-up to the first validated 200: ${stub.startupMs.toFixed(0)} ms`);
    expect(stub.startupMs).toBeLessThan(5_000);
    // Output to a pipe is asynchronous: it may land just after the first answer.
    const printed = await eventually(() => (stub.output().includes('Try:') ? stub.output() : undefined));
    expect(printed).toContain(`Chat API server stub on ${stub.url}`);
    expect(printed).toContain(`${stub.url}/chatapi/chatapi-dev-token`);
    expect(printed).toContain(`${stub.url}/docs`);
    expect(printed).toContain(`${stub.url}/openapi.json`);
    expect(printed).toContain(`${stub.url}/_stub/`);

    const docs = await request('GET', `${stub.url}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    expect(docs.text).toContain('Chat API');
    const json = await request('GET', `${stub.url}/openapi.json`);
    expect(json.body).toEqual(JSON.parse(readFileSync(BUNDLE_JSON, 'utf8')));
    const yaml = await request('GET', `${stub.url}/openapi.yaml`);
    expect(yaml.status).toBe(200);
    expect(yaml.text).toMatch(/^openapi: 3\.1/m);
    const control = await request('GET', `${stub.url}/_stub/openapi.yaml`);
    expect(control.status).toBe(200);
    expect(control.text).toContain("$ref: '/openapi.yaml#/components/schemas/Reply'");
    const index = await request('GET', `${stub.url}/`);
    expect(index.body).toMatchObject({ docs: `${stub.url}/docs` });

    // A held long poll is answered with [] and the process exits 0.
    const poll = request('GET', `${stub.url}/chatapi/chatapi-dev-token/events?clientId=bye`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const signalled = Date.now();
    stub.child.kill('SIGTERM');
    const answer = await poll;
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ events: [] });
    expect(await stub.exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(4_000);
  }, 30_000);

  it('takes tokens from CHATAPI_TOKENS, masks them in what it prints, and logs one line per request when asked', async () => {
    const secret = 'AbCdEfGh:0123456789abcdef0123456789abcdef01234567';
    const stub = await startMain({ CHATAPI_TOKENS: `${secret},other-token`, CHATAPI_LOG: 'requests' }, secret);
    const unknown = await request('POST', `${stub.url}/chatapi/chatapi-dev-token`, { json: { clientId: 'c', query: 'hi' } });
    expect(unknown.status).toBe(401);
    const printed = await eventually(() => (/chat… 401 /.test(stub.output()) ? stub.output() : undefined));
    expect(printed).not.toContain('warm');
    expect(printed).not.toContain(secret);
    expect(printed).toContain('AbCd…');
    expect(printed).toMatch(/POST \/chatapi\/AbCd… 200 [\d.]+ms/);
    expect(printed).toMatch(/POST \/chatapi\/chat… 401 [\d.]+ms/);
    stub.child.kill('SIGTERM');
    expect((await stub.exit).code).toBe(0);
  }, 30_000);

  it('refuses a bad configuration with a message and exit code 1', async () => {
    const child = spawn(process.execPath, [MAIN], { env: { ...process.env, PORT: '0', CHATAPI_LONG_POLL_MS: 'forever' }, stdio: ['ignore', 'pipe', 'pipe'] });
    running.push(child);
    let output = '';
    child.stderr!.on('data', (chunk) => (output += chunk));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(output).toContain('CHATAPI_LONG_POLL_MS');
  });
});

describe('control-api.yaml', () => {
  it('passes Redocly lint', async () => {
    const result = await runCommand('npx', ['redocly', 'lint', '--config', 'server-stub/control-api.redocly.yaml', 'server-stub/control-api.yaml']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  }, 60_000);
});
