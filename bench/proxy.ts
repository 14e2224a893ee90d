// `npm run bench:proxy`: what `chatapi-contract proxy` costs. The stub alone and the stub behind the
// proxy (judging every exchange) take the same load in turn, round after round, side by side in one
// run (goal: the proxy keeps at least 75 % of the throughput and adds at most 5 ms at p50); then
// 2,000 long polls are held through the proxy and answered (its RSS while they wait).
import { join } from 'node:path';
import { freePort } from '../mock/prism.js';
import { packageRoot } from '../description/bundle.js';
import { measureLoad, type LoadResult } from './lib/load.js';
import { measureLongPoll } from './lib/long-poll.js';
import { median, runBench, startServer, type Probe, type ServerProcess } from './lib/processes.js';
import { writeBenchResults } from './lib/results.js';

const root = packageRoot();
const TOKEN = 'chatapi-dev-token';
const MESSAGE = { clientId: 'bench-client', query: 'Hello' };
const SEND: Probe = { method: 'POST', path: `/chatapi/${TOKEN}`, body: MESSAGE };
const ROUNDS = 3;

async function stub(env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const port = await freePort();
  return startServer(process.execPath, [join(root, 'build', 'server-stub', 'main.js')], `http://127.0.0.1:${port}`, SEND, { PORT: String(port), HOST: '127.0.0.1', ...env });
}

async function proxy(upstream: string): Promise<ServerProcess> {
  const port = await freePort();
  return startServer(process.execPath, [join(root, 'bin', 'chatapi-contract.js'), 'proxy', '--upstream', upstream, '--port', String(port)], `http://127.0.0.1:${port}`, SEND);
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

async function main(): Promise<void> {
  const started: ServerProcess[] = [];
  try {
    const direct = await stub();
    started.push(direct);
    const proxied = await proxy(direct.url);
    started.push(proxied);
    const targets = [
      { name: 'the stub directly', url: direct.url },
      { name: 'the stub through the proxy', url: proxied.url },
    ];
    console.error('warming up both...');
    for (const target of targets) await measureLoad({ url: target.url + SEND.path, body: MESSAGE, warmupSeconds: 0, seconds: 2 });
    const rounds: LoadResult[][] = targets.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [index, target] of targets.entries()) {
        console.error(`round ${round + 1}/${ROUNDS}: ${target.name}...`);
        rounds[index]!.push(await measureLoad({ url: target.url + SEND.path, body: MESSAGE, warmupSeconds: 0, seconds: 3 }));
      }
    }
    const rows = rounds.map((results) => ({
      requestsPerSecond: median(results.map((r) => r.requestsPerSecond)),
      p50: median(results.map((r) => r.p50)),
      p99: median(results.map((r) => r.p99)),
      non2xx: results.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
    }));
    const [alone, through] = rows as [(typeof rows)[number], (typeof rows)[number]];
    const kept = through.requestsPerSecond / alone.requestsPerSecond;
    const added = through.p50 - alone.p50;
    const proxyRss = proxied.peakRssMiB();

    console.error('2,000 long polls held through the proxy...');
    // A stub of its own with a long hold, so that no poll ends before its operator reply.
    const holding = await stub({ CHATAPI_LONG_POLL_MS: '60000' });
    started.push(holding);
    const holdingProxy = await proxy(holding.url);
    started.push(holdingProxy);
    const polls = await measureLongPoll({ baseUrl: holdingProxy.url, token: TOKEN, waiters: 2000, rssMiB: () => holdingProxy.currentRssMiB() });

    const lines = [
      '# chatapi-contract proxy: its cost, side by side with the stub alone (one run)',
      '',
      `POST /chatapi/{token} (sendMessage), autocannon, 50 connections, ${ROUNDS} rounds of 3 s each in turn; medians.`,
      '',
      '| target | req/s | p50 (ms) | p99 (ms) | non-2xx or errors |',
      '|---|---|---|---|---|',
      ...targets.map((t, i) => `| ${t.name} | ${fmt(rows[i]!.requestsPerSecond)} | ${fmt(rows[i]!.p50, 1)} | ${fmt(rows[i]!.p99, 1)} | ${rows[i]!.non2xx} |`),
      '',
      `- Throughput kept through the proxy: **${fmt(kept * 100)} %** (goal ≥ 75 %: ${kept >= 0.75 ? 'met' : 'MISSED'}).`,
      `- Added at p50: **${fmt(added, 1)} ms** (goal ≤ 5 ms: ${added <= 5 ? 'met' : 'MISSED'}); at p99: ${fmt(through.p99 - alone.p99, 1)} ms.`,
      `- The proxy's peak RSS under that load: ${fmt(proxyRss)} MiB.`,
      '',
      '## 2,000 long polls held through the proxy',
      '',
      `- Held at once, then each answered by an operator reply: ${polls.answered} of ${polls.waiters} answered, ${polls.failed} failed${polls.firstError ? ` (first: ${polls.firstError})` : ''}.`,
      `- Publish → answer through the proxy: p50 ${fmt(polls.p50Ms, 1)} ms, p99 ${fmt(polls.p99Ms, 1)} ms, max ${fmt(polls.maxMs, 1)} ms.`,
      `- The proxy's RSS while the 2,000 polls were held: **${fmt(polls.rssWhileWaitingMiB)} MiB** (peak ${fmt(holdingProxy.peakRssMiB())} MiB).`,
      '',
    ];
    const text = lines.join('\n');
    console.log(text);
    for (const path of writeBenchResults('PROXY.md', text)) console.error(`written: ${path}`);
  } finally {
    await Promise.all(started.map((server) => server.stop()));
  }
}

runBench(main);
