// The proxy in front of the deliberately broken servers of test/contract/broken-servers/: traffic
// that shows a break (the contract engine's own run, sent through the proxy, deliveries too) makes
// the proxy report it with the break's code and exit 1. Breaks no single exchange shows (a history
// that loses a message, a link whose next step fails, a slow answer with no limit given, what Node's
// parser refuses before any proxy can pass it on) are the engine's to find, not the proxy's.
import { describe, expect, it } from 'vitest';
import { freePort } from '../../mock/prism.js';
import { BROKEN_SERVERS } from '../contract/broken-servers/servers.js';
import { stubBehindProxy } from '../contract/fixtures.js';
import { runContract, startProxyProcess } from './helpers.js';

/** Codes one exchange or one delivery shows. */
const VISIBLE = new Set(['server_error', 'schema_violation', 'undocumented_status', 'content_type', 'negative_data_accepted', 'positive_data_rejected', 'unsupported_method', 'method_not_allowed_without_allow', 'webhook', 'webhook_not_received']);
const shown = BROKEN_SERVERS.filter((server) => VISIBLE.has(server.code) && server.corruption.parserErrors === undefined && !server.args?.includes('stateful'));

describe('chatapi-contract proxy in front of broken servers', () => {
  it('covers the broken servers whose break shows in traffic', () => {
    expect(shown.length).toBeGreaterThanOrEqual(20);
  });

  it.each(shown.map((server) => [server.name, server] as const))('reports %s', { timeout: 150_000 }, async (_name, server) => {
    const webhooks = server.corruption.webhook !== undefined;
    const relayPort = webhooks ? await freePort() : undefined;
    const target = await stubBehindProxy({ corruption: server.corruption, webhook: webhooks, ...(relayPort ? { webhookRelay: () => `http://127.0.0.1:${relayPort}/` } : {}) });
    const proxy = await startProxyProcess([
      '--upstream',
      target.proxy.url,
      ...(relayPort ? ['--webhook-port', String(relayPort), '--webhook-forward', `http://127.0.0.1:${target.webhookPort}/`, '--webhook-window', '5000'] : []),
    ]);
    try {
      const engineArgs = ['--base-url', proxy.url, '--token', 'chatapi-dev-token', '--rate', '1000', ...(target.webhookPort ? ['--webhook-port', String(target.webhookPort)] : []), ...(server.args ?? ['--phases', 'examples'])];
      const run = await runContract(engineArgs, 140_000);
      expect(run.code, run.stdout + run.stderr).toBe(1);
      const code = await proxy.stop();
      expect(code, proxy.output()).toBe(1);
      const codes = server.code === 'webhook_not_received' ? ['webhook_not_received', 'webhook'] : [server.code];
      expect(codes.some((c) => proxy.output().includes(`[${c}]`)), proxy.output()).toBe(true);
    } finally {
      await proxy.stop('SIGKILL');
      await target.close();
    }
  });
});
