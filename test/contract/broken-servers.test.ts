// Against deliberately broken servers (the stub behind a proxy that breaks one thing), the command
// exits 1 and its output names the failed check and the violation, with its code.
import { describe, expect, it } from 'vitest';
import { BROKEN_SERVERS } from './broken-servers/servers.js';
import { stubBehindProxy } from './fixtures.js';
import { checkOutput, runCli, statuses } from './helpers.js';

describe('chatapi-contract against broken servers', () => {
  // A run of one or two phases takes seconds; on a loaded machine, several times that.
  it.each(BROKEN_SERVERS.map((server) => [server.name, server] as const))('catches %s', { timeout: 120_000 }, async (_name, server) => {
    const target = await stubBehindProxy({ corruption: server.corruption, webhook: server.corruption.webhook !== undefined });
    try {
      const run = await runCli([...target.args, ...(server.args ?? [])], { timeoutMs: 115_000 });
      expect(run.code, run.stdout + run.stderr).toBe(1);
      const failed = [...statuses(run.stdout)].find(([name, status]) => status === 'failed' && name.includes(server.failedCheck));
      expect(failed, `no failed check named "${server.failedCheck}" in\n${run.stdout}`).toBeDefined();
      expect(checkOutput(run.stdout, failed![0])).toContain(server.violation);
      // Matched on the code, which reporters and reports carry, not only on the prose.
      expect(checkOutput(run.stdout, failed![0])).toContain(`[${server.code}]`);
      // The violation comes with the request and the response that showed it.
      expect(checkOutput(run.stdout, failed![0])).toMatch(/request: {2}[A-Z-]+ http:\/\/127\.0\.0\.1:\d+\//);
      expect(run.stdout).toContain('Result: FAILED: the target breaks the contract (exit 1)');
    } finally {
      await target.close();
    }
  });
});
