// The reports a QA pipeline stores (issue 18): beside JSON and JUnit, NDJSON (a line per check and per
// finding) and HAR (every exchange with its operation and findings); every finding has an id that
// `--replay ID --from REPORT` sends again: still there against the broken server, gone against the
// fixed one. And the warning Schemathesis gives for an operation that never got a 2xx.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rewriteJson } from './broken-servers/proxy.js';
import { stubBehindProxy, type Target } from './fixtures.js';
import { runCli, type CliRun } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'chatapi-reports-'));
const files = { json: join(dir, 'run.json'), ndjson: join(dir, 'run.ndjson'), har: join(dir, 'run.har'), junit: join(dir, 'run.xml') };

describe('reports of a run against a broken server (the unread count as a string)', () => {
  let broken: Target;
  let run: CliRun;

  beforeAll(async () => {
    broken = await stubBehindProxy({
      corruption: { response: rewriteJson((req, res) => req.method === 'GET' && req.path.endsWith('/message-not-read-count') && res.status === 200, (body) => ({ ...body, count: String(body.count) })) },
    });
    run = await runCli([...broken.args, '--phases', 'examples', '--json', files.json, '--ndjson', files.ndjson, '--har', files.har, '--junit', files.junit], { timeoutMs: 85_000 });
  }, 90_000);
  afterAll(() => broken?.close());

  it('fails, and prints each finding with its id', () => {
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/\[schema_violation\] response body \/count: must be integer \(NotReadCount\) {2}\{f-[0-9a-f]{10}\}/);
  });

  it('NDJSON: the run, a line per check and per finding, and the summary', () => {
    const lines = readFileSync(files.ndjson, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; code?: string; id?: string });
    expect(lines[0]!.type).toBe('run');
    expect(lines.at(-1)!.type).toBe('summary');
    expect(lines.filter((l) => l.type === 'check').length).toBeGreaterThan(30);
    const finding = lines.find((l) => l.type === 'finding' && l.code === 'schema_violation');
    expect(finding?.id).toMatch(/^f-[0-9a-f]{10}$/);
  });

  it('HAR 1.2: every exchange, with its operation and what the judges found, and no token', () => {
    const text = readFileSync(files.har, 'utf8');
    const har = JSON.parse(text) as { log: { version: string; entries: Array<{ request: { url: string }; _chatapi: { operationId: string; findings: Array<{ code: string }> } }> } };
    expect(har.log.version).toBe('1.2');
    expect(har.log.entries.length).toBeGreaterThan(30);
    const broken = har.log.entries.filter((e) => e._chatapi.findings.some((f) => f.code === 'schema_violation'));
    expect(broken.length).toBeGreaterThan(0);
    expect(broken.every((e) => e._chatapi.operationId === 'getNotReadCount')).toBe(true);
    expect(text).not.toContain('chatapi-dev-token');
  });

  it('--replay sends a finding again: still there (exit 1) against the broken server, from any of the three reports', { timeout: 90_000 }, async () => {
    const ndjson = readFileSync(files.ndjson, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; code?: string; id?: string });
    const id = ndjson.find((l) => l.type === 'finding' && l.code === 'schema_violation')!.id!;
    for (const from of [files.ndjson, files.json, files.har]) {
      const again = await runCli([...broken.args.slice(0, 4), '--replay', id, '--from', from]);
      expect(again.code, again.stdout + again.stderr).toBe(1);
      expect(again.stdout).toContain(`replaying ${id} [schema_violation]`);
      expect(again.stdout).toContain('Still found:');
    }
  });

  it('--replay against the fixed server: gone (exit 0)', { timeout: 60_000 }, async () => {
    const fixed = await stubBehindProxy();
    try {
      const ndjson = readFileSync(files.ndjson, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; code?: string; id?: string });
      const id = ndjson.find((l) => l.type === 'finding' && l.code === 'schema_violation')!.id!;
      const again = await runCli([...fixed.args.slice(0, 4), '--replay', id, '--from', files.ndjson]);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(again.stdout).toContain('Gone: the answer no longer shows [schema_violation]');
    } finally {
      await fixed.close();
    }
  });

  it('--replay of an id the report does not have, or of a finding about a sequence: exit 2 saying why', async () => {
    const missing = await runCli([...broken.args.slice(0, 4), '--replay', 'f-0000000000', '--from', files.ndjson]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('has no finding f-0000000000');
  });
});

describe('an operation that never got a 2xx', () => {
  it('is named in the warnings, as Schemathesis names missing test data', async () => {
    const target = await stubBehindProxy({ corruption: { response: (req, res) => (req.method === 'GET' && /\/message\/[^/]+\/status$/.test(req.path) ? { status: 404, contentType: 'application/json', body: JSON.stringify({ error: 'chatapi.message.not_found', message: 'No such message', status: 404 }) } : res) } });
    try {
      const run = await runCli([...target.args, '--phases', 'examples'], { timeoutMs: 85_000 });
      expect(run.stdout).toMatch(/Warnings:\n(?: {2}- .*\n)* {2}- getMessageStatus: no request got a 2xx/);
    } finally {
      await target.close();
    }
  }, 90_000);
});
