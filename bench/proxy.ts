// `npm run bench:proxy`: what `chatapi-contract proxy` costs. The stub alone, the stub behind the
// proxy's bare transport (the same relay, nothing judged) and the stub behind the proxy (judging
// every exchange) take the same load in turn, round after round, side by side in one run (goal: the
// proxy keeps at least 75 % of the throughput and adds at most 5 ms at p50). Saturated, all three
// share this machine's cores with the load generator, so the bench also measures (a) latency at a
// fixed rate every target sustains and (b) the CPU each process spends per request. Then 2,000 long
// polls are held through the proxy and answered (its RSS while they wait).
import os from 'node:os';
import { join } from 'node:path';
import { freePort } from '../mock/prism.js';
import { packageRoot } from '../description/bundle.js';
import { measureLoad, overRounds, pairedRatio, type LoadResult } from './lib/load.js';
import { measureLongPoll } from './lib/long-poll.js';
import { runBench, startServer, type Probe, type ServerProcess } from './lib/processes.js';
import { writeBenchResults } from './lib/results.js';

const root = packageRoot();
const TOKEN = 'chatapi-dev-token';
const MESSAGE = { clientId: 'bench-client', query: 'Hello' };
const SEND: Probe = { method: 'POST', path: `/chatapi/${TOKEN}`, body: MESSAGE };
const ROUNDS = 7;

async function stub(env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const port = await freePort();
  return startServer(process.execPath, [join(root, 'build', 'server-stub', 'main.js')], `http://127.0.0.1:${port}`, SEND, { PORT: String(port), HOST: '127.0.0.1', ...env });
}

async function proxy(upstream: string): Promise<ServerProcess> {
  const port = await freePort();
  return startServer(process.execPath, [join(root, 'bin', 'chatapi-contract.js'), 'proxy', '--upstream', upstream, '--port', String(port)], `http://127.0.0.1:${port}`, SEND);
}

async function bareRelay(upstream: string): Promise<ServerProcess> {
  const port = await freePort();
  return startServer(process.execPath, [join(root, 'build', 'bench', 'servers', 'bare-relay.js')], `http://127.0.0.1:${port}`, SEND, { PORT: String(port), HOST: '127.0.0.1', UPSTREAM: upstream });
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
/** Requests per second every target sustains on this machine: latency measured there is the path's, not a queue's. */
const FIXED_RATE = 300;

async function main(): Promise<void> {
  const started: ServerProcess[] = [];
  try {
    const direct = await stub();
    started.push(direct);
    const bare = await bareRelay(direct.url);
    started.push(bare);
    const proxied = await proxy(direct.url);
    started.push(proxied);
    // Each target, and the processes whose CPU its requests cost (the stub's is in every row).
    const targets = [
      { name: 'the stub directly', url: direct.url, relay: undefined },
      { name: 'the stub behind the bare relay (no judging)', url: bare.url, relay: bare },
      { name: 'the stub through the proxy', url: proxied.url, relay: proxied },
    ];
    console.error('warming up all three...');
    for (const target of targets) await measureLoad({ url: target.url + SEND.path, body: MESSAGE, warmupSeconds: 0, seconds: 2 });
    const saturated: LoadResult[][] = targets.map(() => []);
    const fixed: LoadResult[][] = targets.map(() => []);
    const cpu = targets.map(() => ({ stub: 0, relay: 0, requests: 0 }));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [index, target] of targets.entries()) {
        console.error(`round ${round + 1}/${ROUNDS}: ${target.name}...`);
        const before = { stub: direct.cpuSeconds(), relay: target.relay?.cpuSeconds() ?? 0 };
        const result = await measureLoad({ url: target.url + SEND.path, body: MESSAGE, warmupSeconds: 0, seconds: 2 });
        saturated[index]!.push(result);
        cpu[index]!.stub += direct.cpuSeconds() - before.stub;
        cpu[index]!.relay += (target.relay?.cpuSeconds() ?? 0) - before.relay;
        cpu[index]!.requests += result.total;
        fixed[index]!.push(await measureLoad({ url: target.url + SEND.path, body: MESSAGE, warmupSeconds: 0, seconds: 2, connections: 10, overallRate: FIXED_RATE }));
      }
    }
    const rows = saturated.map(overRounds);
    const fixedRows = fixed.map(overRounds);
    const perRequest = cpu.map((c) => ({ stubMs: (c.stub * 1000) / c.requests, relayMs: (c.relay * 1000) / c.requests }));
    const [alone, , through] = rows as [LoadResult, LoadResult, LoadResult];
    const [fixedAlone, fixedBare, fixedThrough] = fixedRows as [LoadResult, LoadResult, LoadResult];
    const kept = pairedRatio(saturated[2]!, saturated[0]!);
    const addedSaturated = through.p50 - alone.p50;
    const added = fixedThrough.p50 - fixedAlone.p50;
    const [, bareCpu, proxyCpu] = perRequest as [(typeof perRequest)[number], (typeof perRequest)[number], (typeof perRequest)[number]];
    const stubCpu = perRequest[0]!.stubMs;
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
      `POST /chatapi/{token} (sendMessage), autocannon; ${ROUNDS} rounds, each target in turn; medians, and ratios as the median of each round's ratio. One machine (${os.cpus().length} cores) runs the stub, the relay and the load generator.`,
      '',
      '## Saturated (50 connections, 2 s a round)',
      '',
      '| target | req/s | p50 (ms) | p99 (ms) | non-2xx or errors | stub CPU per request (ms) | relay CPU per request (ms) |',
      '|---|---|---|---|---|---|---|',
      ...targets.map((t, i) => `| ${t.name} | ${fmt(rows[i]!.requestsPerSecond)} | ${fmt(rows[i]!.p50, 1)} | ${fmt(rows[i]!.p99, 1)} | ${rows[i]!.non2xx + rows[i]!.errors} | ${fmt(perRequest[i]!.stubMs, 3)} | ${t.relay ? fmt(perRequest[i]!.relayMs, 3) : '–'} |`),
      '',
      `## At a fixed ${FIXED_RATE} req/s (10 connections, 2 s a round)`,
      '',
      '| target | p50 (ms) | p99 (ms) | non-2xx or errors |',
      '|---|---|---|---|',
      ...targets.map((t, i) => `| ${t.name} | ${fmt(fixedRows[i]!.p50, 1)} | ${fmt(fixedRows[i]!.p99, 1)} | ${fixedRows[i]!.non2xx + fixedRows[i]!.errors} |`),
      '',
      `- Throughput kept through the proxy, saturated: **${fmt(kept * 100)} %** (goal ≥ 75 %: ${kept >= 0.75 ? 'met' : 'MISSED'}); through the bare relay: ${fmt(pairedRatio(saturated[1]!, saturated[0]!) * 100)} %.`,
      `- Added at p50 at ${FIXED_RATE} req/s: **${fmt(added, 1)} ms** (goal ≤ 5 ms: ${added <= 5 ? 'met' : 'MISSED'}); the bare relay adds ${fmt(fixedBare.p50 - fixedAlone.p50, 1)} ms. Saturated, where the wait is a queue's: ${fmt(addedSaturated, 1)} ms.`,
      `- CPU per request: the stub ${fmt(stubCpu, 3)} ms; the proxy ${fmt(proxyCpu.relayMs, 3)} ms (${fmt((proxyCpu.relayMs / stubCpu) * 100)} % of the stub's), of which the bare relay's transport is ${fmt(bareCpu.relayMs, 3)} ms and judging and recording ${fmt(proxyCpu.relayMs - bareCpu.relayMs, 3)} ms.`,
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
