// Issue 4, against the Prism mock with --stateless: every stateless check passes; the checks that
// need a target with state (behaviour, unknown token, webhooks) are reported not applicable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrism, type RunningPrism } from '../../mock/prism.js';
import { runCli, statuses, type CliRun } from './helpers.js';

describe('chatapi-contract --stateless against the Prism mock', () => {
  let prism: RunningPrism;
  let run: CliRun;
  let found: Map<string, string>;

  beforeAll(async () => {
    prism = await startPrism();
    run = await runCli(['--base-url', prism.url, '--token', 'chatapi-dev-token', '--stateless', '--rate', '1000']);
    found = statuses(run.stdout);
  });
  afterAll(() => prism?.close());

  it('exits 0: every stateless check passed', () => {
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect([...found].filter(([, s]) => s === 'failed' || s === 'not run')).toEqual([]);
    expect([...found].filter(([, s]) => s === 'passed').length).toBeGreaterThan(40);
  });

  it('reports behavioural, unknown-token and webhook checks as not applicable, not as passed', () => {
    const stateful = [...found].filter(
      ([name]) => /^(history|events|statuses|state):/.test(name) || name.includes('unknown token') || name.startsWith('webhook ') || name.includes(': the reply'),
    );
    expect(stateful.length).toBeGreaterThan(20);
    expect(stateful.filter(([, s]) => s !== 'not applicable')).toEqual([]);
  });

  it('still exercised every path operation with requests from examples and schemas', () => {
    const positive = [...found].filter(([name]) => / requests (from the examples|generated from the schemas)$/.test(name));
    expect(positive.length).toBe(22);
    expect(positive.every(([, s]) => s === 'passed')).toBe(true);
    expect(found.get('coverage: receiveChatApiMessage (webhook chatApiMessage) was exercised')).toBe('not applicable');
  });
});
