// Against the Prism mock with --stateless: every phase that needs no state passes (examples,
// coverage, fuzz); the checks that need a target with state (behaviour, unknown token, webhooks,
// links) are reported not applicable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrism, type RunningPrism } from '../../mock/prism.js';
import { runCli, statuses, type CliRun } from './helpers.js';

describe('chatapi-contract --stateless against the Prism mock', () => {
  let prism: RunningPrism;
  let run: CliRun;
  let found: Map<string, string>;

  beforeAll(async () => {
    prism = await startPrism();
    run = await runCli(['--base-url', prism.url, '--token', 'chatapi-dev-token', '--stateless', '--rate', '1000', '--seed', '11']);
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
    const positive = [...found].filter(([name]) => /: requests (from the examples|generated from the schemas)$/.test(name));
    expect(positive.length).toBe(22);
    expect(positive.every(([, s]) => s === 'passed')).toBe(true);
    expect(found.get('exercised: receiveChatApiMessage (webhook chatApiMessage) answered a check')).toBe('not applicable');
  });

  it('ran the coverage and fuzz phases, which need no state, and they passed; the stateful phase is not applicable', () => {
    const phase = (pattern: RegExp) => [...found].filter(([name]) => pattern.test(name));
    expect(phase(/: boundary cases of every parameter/).length).toBe(11);
    expect(phase(/: random requests generated from the schemas$/).length).toBe(11);
    expect(phase(/: (boundary cases|random requests)/).every(([, s]) => s === 'passed')).toBe(true);
    expect(phase(/: the links of its answer/).every(([, s]) => s === 'not applicable')).toBe(true);
  });

  it('survives a malformed percent escape in a path (the guard in front of Prism answers 400)', async () => {
    const response = await fetch(`${prism.url}/chatapi/%E0%A4%A/client/c/state`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('chatapi.request.malformed_escape');
    expect((await fetch(`${prism.url}/chatapi/chatapi-dev-token/client/c/state`)).status).toBe(200);
  });

  it('answers a body over 1 MiB with the description 413, and a compressed one with 415 (the guard reads bodies with the shared reader)', async () => {
    const send = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${prism.url}/chatapi/chatapi-dev-token`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const large = await send(JSON.stringify({ clientId: 'c', query: 'x'.repeat(1024 * 1024) }));
    expect(large.status).toBe(413);
    expect(await large.json()).toMatchObject({ error: 'chatapi.request.too_large', status: 413, violations: [{ location: 'body', path: '' }] });
    const compressed = await send('{}', { 'content-encoding': 'gzip' });
    expect(compressed.status).toBe(415);
    expect(((await compressed.json()) as { error: string }).error).toBe('chatapi.request.unsupported_media_type');
    expect((await send(JSON.stringify({ clientId: 'c', query: 'hello' }))).status).toBe(200);
  });

  it('without --stateless, says in one line that the target looks stateless and suggests the flag, instead of failing every behaviour check', async () => {
    const stateful = await runCli(['--base-url', prism.url, '--token', 'chatapi-dev-token', '--rate', '1000']);
    expect(stateful.code, stateful.stdout + stateful.stderr).toBe(2);
    expect(stateful.stderr).toMatch(/the target looks stateless: a state saved for a new client was not loaded back .*run with --stateless; no check was run\./);
    expect(stateful.stdout).not.toContain('[failed]');
  });
});
