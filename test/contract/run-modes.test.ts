// Issue 4: --read-only sends no writing call; bad arguments, an unreachable target, a refused token,
// a target that dies mid-run and a missing build all exit 2, never 0.
import { cpSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeOperations } from '../../description/operations.js';

import { freePort } from '../../mock/prism.js';
import { loadDescription } from '../../description/bundle.js';
import { stubBehindProxy, type Target } from './fixtures.js';
import { checkOutput, ensureBuilt, ROOT, runCli, statuses, type CliRun } from './helpers.js';
import { rewriteJson } from './broken-servers/proxy.js';

const operations = describeOperations(loadDescription()).filter((op) => op.kind === 'path');
const readOnly = new Set(operations.filter((op) => op.readOnly).map((op) => op.operationId));

/** The operation a request went to, by matching the path templates of the description. */
function operationOf(method: string, path: string): string | undefined {
  return operations.find((op) => {
    const pattern = new RegExp(`^${op.path.replace(/\{[^}]+\}/g, '[^/]*')}$`);
    return op.method === method.toLowerCase() && pattern.test(path);
  })?.operationId;
}

describe('--read-only, through a recording proxy', () => {
  let target: Target;
  let run: CliRun;

  beforeAll(async () => {
    target = await stubBehindProxy({ webhook: true });
    run = await runCli([...target.args, '--read-only']);
  });
  afterAll(() => target?.close());

  it('sends only calls to read-only operations, and only for its own clients', () => {
    const calls = target.proxy.requests.map((r) => `${r.method} ${operationOf(r.method, r.path) ?? r.path}`);
    expect(calls.length).toBeGreaterThan(5);
    const writing = target.proxy.requests.filter((r) => r.method !== 'GET' || !readOnly.has(operationOf(r.method, r.path) ?? ''));
    expect(writing.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect(new Set(calls)).toEqual(new Set(['GET getEvents', 'GET getHistory', 'GET loadState', 'GET getMessageStatus', 'GET getNotReadCount']));
  });

  it('passes what it may run and reports the rest as not run, never as passed', () => {
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const found = statuses(run.stdout);
    expect([...found].filter(([, s]) => s === 'failed')).toEqual([]);
    expect(found.get('saveState: requests from the examples')).toBe('not run');
    expect(found.get('history: a sent query and its reply are recorded')).toBe('not run');
    expect(found.get("history: a new client's history is empty")).toBe('passed');
    expect(found.get('statuses: an unknown message is 404')).toBe('passed');
    expect([...found].filter(([name]) => name.startsWith('webhook ')).every(([, s]) => s === 'not run')).toBe(true);
    expect(found.get('exercised: saveState (POST /chatapi/{token}/client/{clientId}/state) answered a check')).toBe('not run');
    expect(found.get('exercised: getHistory (GET /chatapi/{token}/client/{clientId}/history) answered a check')).toBe('passed');
    expect(found.get('getHistory: boundary cases of every parameter and of the body')).toBe('passed');
    expect(found.get('saveState: boundary cases of every parameter and of the body')).toBe('not run');
  });
});

describe('a receiver the target does not post to', () => {
  it('fails the webhook checks at once, saying why in one line: asked for and not verified is never a pass', { timeout: 90_000 }, async () => {
    const target = await stubBehindProxy(); // a stub with no webhook URL, as `npm start` runs it
    try {
      const port = await freePort();
      const run = await runCli([...target.args, '--webhook-port', String(port), '--phases', 'examples'], { timeoutMs: 85_000 });
      expect(run.code, run.stdout + run.stderr).toBe(1);
      expect(run.stdout).toContain(`no webhook reached http://127.0.0.1:${port}/ within 10 s of an async send`);
      expect(run.stdout).toContain('CHATAPI_WEBHOOK_URL=');
      expect(run.stdout).toContain('the webhook checks fail');
      expect(run.stdout).not.toContain('give --webhook-port');
      const webhook = [...statuses(run.stdout)].filter(([name]) => name.startsWith('webhook '));
      expect(webhook.length).toBe(2);
      expect(webhook.every(([, status]) => status === 'failed')).toBe(true);
      expect(run.stdout).toContain('[webhook_not_received]');
      expect(run.stdout).toContain('Result: FAILED');
    } finally {
      await target.close();
    }
  });

  it('runs without them when the user says so (--exclude-checks webhook), and says they were not chosen', { timeout: 90_000 }, async () => {
    const target = await stubBehindProxy();
    try {
      const run = await runCli([...target.args, '--webhook-port', String(await freePort()), '--phases', 'examples', '--exclude-checks', 'webhook'], { timeoutMs: 85_000 });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).not.toContain('no webhook reached');
      const webhook = [...statuses(run.stdout)].filter(([name]) => name.startsWith('webhook '));
      expect(webhook.every(([, status]) => status === 'not run')).toBe(true);
    } finally {
      await target.close();
    }
  });
});

describe('behaviour checks read only bodies that keep to the description, whatever judges are on', () => {
  it('a history body that breaks its schema, with response_schema_conformance excluded: the behaviour check fails saying why, never crashes', { timeout: 90_000 }, async () => {
    const target = await stubBehindProxy({
      corruption: { response: rewriteJson((req, res) => req.method === 'GET' && req.path.endsWith('/history') && res.status === 200, (body) => ({ ...body, messages: 'none' })) },
    });
    try {
      const run = await runCli([...target.args, '--phases', 'examples', '--exclude-checks', 'response_schema_conformance'], { timeoutMs: 85_000 });
      expect(run.code, run.stdout + run.stderr).toBe(1);
      expect(checkOutput(run.stdout, 'history: a sent query and its reply are recorded')).toMatch(/\[behaviour\] cannot check the behaviour: the 200 body of getHistory breaks its schema: response body \/messages: must be array/);
      expect(run.stdout).not.toContain('could not complete');
      expect(run.stdout).not.toContain('[schema_violation]');
    } finally {
      await target.close();
    }
  });
});

describe('runs that cannot be made or do not complete exit 2', () => {
  it.each([
    ['no arguments', [], /--base-url is required/],
    ['no token', ['--base-url', 'http://127.0.0.1:9'], /--token is required/],
    ['a bad rate', ['--base-url', 'http://127.0.0.1:9', '--token', 't', '--rate', 'fast'], /--rate must be a positive number/],
    ['an unknown option', ['--base-url', 'http://127.0.0.1:9', '--token', 't', '--verbose'], /Unknown option '--verbose'/],
    ['a webhook URL without a port', ['--base-url', 'http://127.0.0.1:9', '--token', 't', '--webhook-url', 'http://x'], /--webhook-url needs --webhook-port/],
  ])('%s', async (_name, args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('Usage: chatapi-contract');
  });

  it('an unreachable target, and the reports say the run did not complete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatapi-contract-'));
    const [json, junit] = [join(dir, 'r.json'), join(dir, 'r.xml')];
    const run = await runCli(['--base-url', `http://127.0.0.1:${await freePort()}`, '--token', 't', '--timeout', '3000', '--json', json, '--junit', junit]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/is unreachable: ECONNREFUSED/);
    expect(run.stderr).toContain('no check was run');
    expect(JSON.parse(readFileSync(json, 'utf8'))).toMatchObject({ complete: false, exitCode: 2, checks: [] });
    const xml = readFileSync(junit, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toMatch(/<error message="the target http:\/\/127\.0\.0\.1:\d+ is unreachable/);
  });

  it('a token the target does not accept', async () => {
    const target = await stubBehindProxy();
    try {
      const run = await runCli(['--base-url', target.proxy.url, '--token', 'not-a-channel-token']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/the target refused the token \(401 from GET http:\/\/127\.0\.0\.1:\d+\/chatapi\/\*\*\*\//);
      expect(run.stderr).not.toContain('not-a-channel-token');
    } finally {
      await target.close();
    }
  });

  it('a target that goes away in the middle of the run', async () => {
    const target = await stubBehindProxy();
    try {
      const running = runCli(target.args);
      // Let a few checks through, then take the target down.
      for (let i = 0; i < 200 && target.proxy.requests.length < 25; i++) await new Promise((r) => setTimeout(r, 20));
      target.proxy.kill();
      const run = await running;
      expect(run.code, run.stdout + run.stderr).toBe(2);
      expect(run.stdout).toMatch(/The run did not complete: the target became unreachable/);
      expect(run.stdout).toContain('Result: INCOMPLETE (exit 2)');
    } finally {
      await target.close();
    }
  });

  it('the help, which is not a run, exits 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--stateless');
  });
});

describe('an installed command without its build or bundle', () => {
  beforeAll(() => ensureBuilt());

  /** A copy of the package with some of its parts, node_modules linked. */
  function packageCopy(parts: string[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'chatapi-contract-pkg-'));
    for (const part of ['package.json', 'bin', ...parts]) cpSync(join(ROOT, part), join(dir, part), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    return dir;
  }

  it('says to build when build/ is missing', async () => {
    const dir = packageCopy(['dist']);
    const run = await runCli(['--base-url', 'http://127.0.0.1:9', '--token', 't'], { via: 'bin', cwdRoot: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('run npm run build');
  });

  it('says to build when the bundled description is missing', async () => {
    const dir = packageCopy(['build']);
    const run = await runCli(['--base-url', 'http://127.0.0.1:9', '--token', 't'], { via: 'bin', cwdRoot: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/dist\/openapi\.json is missing: run npm run build/);
  });
});
