// Against the server stub: through the installed command (bin → build), with a webhook receiver,
// every phase runs (examples, coverage, fuzz, stateful) and every check passes with 0 violations,
// every operation is exercised, and both report files are written.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../contract/engine/report.js';
import { describeOperations } from '../../description/operations.js';
import { loadDescription } from '../../description/bundle.js';
import { stubBehindProxy, type Target } from './fixtures.js';
import { ensureBuilt, runCli, statuses, type CliRun } from './helpers.js';

describe('npx chatapi-contract against the server stub, with a webhook receiver', () => {
  let target: Target;
  let run: CliRun;
  const dir = mkdtempSync(join(tmpdir(), 'chatapi-contract-'));
  const junit = join(dir, 'reports', 'contract.xml');
  const json = join(dir, 'reports', 'contract.json');

  beforeAll(async () => {
    ensureBuilt();
    target = await stubBehindProxy({ webhook: true });
    run = await runCli([...target.args, '--junit', junit, '--json', json], { via: 'bin', timeoutMs: 140_000 });
    // Every phase at --rate 1000 takes seconds on a quiet machine, several times that on a loaded one.
  }, 150_000);
  afterAll(() => target?.close());

  it('exits 0 with every check passed', () => {
    const found = statuses(run.stdout);
    const notPassed = [...found].filter(([, status]) => status !== 'passed');
    expect(notPassed, run.stdout + run.stderr).toEqual([]);
    expect(found.size).toBeGreaterThan(60);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Summary: \d+ checks: \d+ passed, 0 failed, 0 not run, 0 not applicable/);
  });

  it('ran the webhook checks, and they passed', () => {
    const webhook = [...statuses(run.stdout)].filter(([name]) => name.startsWith('webhook '));
    expect(webhook.length).toBe(2);
    expect(webhook.every(([, status]) => status === 'passed')).toBe(true);
  });

  it('covered every operation of the description, webhooks included', () => {
    const found = statuses(run.stdout);
    for (const op of describeOperations(loadDescription())) {
      const line = [...found].find(([name]) => name.startsWith(`exercised: ${op.operationId} `));
      expect(line?.[1], op.operationId).toBe('passed');
    }
  });

  it('used only its own clientIds', () => {
    const bodyClient = (body: string) => {
      try {
        const id = (JSON.parse(body) as { clientId?: unknown }).clientId;
        return Array.isArray(id) ? id[0] : id; // the wrongly typed clientId of a negative check
      } catch {
        return undefined;
      }
    };
    const decoded = (id: string) => {
      try {
        return decodeURIComponent(id);
      } catch {
        return id; // a malformed escape the coverage phase sent on purpose, after an own id
      }
    };
    const ids = target.proxy.requests
      .flatMap((r) => [/\/client\/([^/]*)/.exec(r.path)?.[1], r.query.get('clientId') ?? undefined, bodyClient(r.body)])
      .filter((id) => id !== undefined && id !== null && id !== '')
      // A wrongly typed clientId of a boundary case wraps own ids in an array or an object.
      .flatMap((id) => (typeof id === 'string' ? [decoded(id)] : JSON.stringify(id).match(/"[^"]*"/g)?.map((s) => s.slice(1, -1)).filter((s) => s !== 'value') ?? [JSON.stringify(id)]));
    expect(ids.length).toBeGreaterThan(1000);
    // Every clientId is one of the run's (boundary cases append to it); empty ones name no client.
    const runId = /run ([0-9a-z]+):/.exec(run.stdout)?.[1];
    expect(ids.filter((id) => !id.startsWith(`contract-${runId}-`))).toEqual([]);
  });

  it('writes a JSON report with every check, and no token', () => {
    const text = readFileSync(json, 'utf8');
    const report = JSON.parse(text) as RunReport;
    expect(report).toMatchObject({ complete: true, exitCode: 0, summary: { failed: 0 } });
    expect(report.checks.length).toBe(report.summary.total);
    expect(report.checks.length).toBe(statuses(run.stdout).size);
    expect(report.checks.every((c) => c.status === 'passed')).toBe(true);
    expect(text).not.toContain('chatapi-dev-token');
    expect(run.stdout).not.toContain('chatapi-dev-token');
  });

  it('writes well-formed JUnit XML with a testcase per check', () => {
    const xml = readFileSync(junit, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const parsed = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'testsuite' || name === 'testcase' }).parse(xml) as {
      testsuites: { '@_tests': string; '@_failures': string; testsuite: Array<{ '@_name': string; testcase: Array<{ '@_name': string; failure?: unknown }> }> };
    };
    const cases = parsed.testsuites.testsuite.flatMap((s) => s.testcase);
    expect(cases.length).toBe(Number(parsed.testsuites['@_tests']));
    expect(cases.length).toBe(statuses(run.stdout).size);
    expect(parsed.testsuites['@_failures']).toBe('0');
    expect(parsed.testsuites.testsuite.map((s) => s['@_name'])).toEqual(
      ['positive', 'negative', 'behaviour', 'webhook', 'coverage', 'unsupported_method', 'fuzz', 'stateful', 'exercised'].map((kind) => `chatapi-contract ${kind}`),
    );
  });
});
