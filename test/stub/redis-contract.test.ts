// The contract suite (`chatapi-contract`, the installed command) against two stub processes on one
// real Redis behind a round-robin forwarder: requests alternate between the stubs, so a send, its
// history, its statuses, a long poll and its wake-up, the webhook — each step may land on the other
// stub. Every check passes: the two stubs are one Chat API.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Description } from '../../description/index.js';
import { freePort } from '../../mock/prism.js';
import { answerParserErrors, transportLimits } from '../../server-stub/transport-limits.js';
import { ensureBuilt, runCli, statuses, type CliRun } from '../contract/helpers.js';
import { startRedis, type RedisServer } from './redis-server.js';
import { killAll, startStubProcess } from './stub-process.js';

let redis: RedisServer;
let forwarder: Server;
let run: CliRun;
const forwarded = [0, 0];

/**
 * A load balancer in its simplest form: each request goes to the next stub in turn. What Node's
 * parser refuses before any stub sees it (a NUL in a header, 20 KiB of headers) gets the stub's own
 * answer to it, so that the balancer is not what the contract run judges.
 */
async function roundRobin(upstreams: string[]): Promise<{ server: Server; url: string }> {
  let next = 0;
  const limits = transportLimits(Description.load().document);
  const server = createServer({ maxHeaderSize: limits.headers }, (req, res) => {
    const index = next++ % upstreams.length;
    forwarded[index]!++;
    const upstream = httpRequest(new URL(req.url ?? '/', upstreams[index]), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  answerParserErrors(server, limits);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  ensureBuilt();
  redis = await startRedis();
  const webhookPort = await freePort();
  const env = {
    CHATAPI_STORE: redis.url,
    CHATAPI_LONG_POLL_MS: '1000',
    CHATAPI_WEBHOOK_URL: `http://127.0.0.1:${webhookPort}/`,
    CHATAPI_WEBHOOK_ATTEMPTS: '3',
    CHATAPI_WEBHOOK_BASE_DELAY_MS: '50',
    CHATAPI_WEBHOOK_TIMEOUT_MS: '2000',
  };
  const stubs = await Promise.all([startStubProcess(env), startStubProcess(env)]);
  const balanced = await roundRobin(stubs.map((stub) => stub.url));
  forwarder = balanced.server;
  run = await runCli(['--base-url', balanced.url, '--token', 'chatapi-dev-token', '--rate', '1000', '--webhook-port', String(webhookPort)], { via: 'bin', timeoutMs: 150_000 });
}, 180_000);

afterAll(async () => {
  forwarder?.closeAllConnections();
  forwarder?.close();
  killAll();
  await redis?.stop();
});

it('passes every check against two stubs on one Redis behind a round-robin', () => {
  const found = statuses(run.stdout);
  const notPassed = [...found].filter(([, status]) => status !== 'passed');
  expect(notPassed, run.stdout + run.stderr).toEqual([]);
  expect(found.size).toBeGreaterThan(60);
  expect([...found].filter(([name]) => name.startsWith('webhook ')).every(([, status]) => status === 'passed')).toBe(true);
  expect(run.stdout).toMatch(/Summary: \d+ checks: \d+ passed, 0 failed, 0 not run, 0 not applicable/);
  expect(run.code, run.stderr).toBe(0);
  // Both stubs answered their share.
  expect(Math.min(...forwarded)).toBeGreaterThan(200);
});
