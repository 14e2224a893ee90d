// `npm run bench:scale`: the stub beyond one process, in one run on loopback, side by side:
//   1. POST /chatapi/{token} req/s of 1 worker with the memory store, 1 with Redis, and 2 workers
//      (node:cluster) with Redis, the same load on each, with their RSS (the whole process tree);
//   2. 10,000 long polls spread over two stubs on one Redis, each woken by an operator reply sent
//      through the other stub: publish → answer p50/p99, and the RSS of both while they wait.
// It starts its own redis-server (Debian's, a free port, `--save ''`) and stops it and every stub,
// also on failure. Results: reports/bench/SCALE.md (bench/SCALE.md with BENCH_RECORD=1).
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../description/bundle.js';
import { freePort } from '../mock/prism.js';
import { startRedis, type RedisServer } from '../test/stub/redis-server.js';
import { measureLongPoll } from './lib/long-poll.js';
import { startServer, type Probe, type ServerProcess } from './lib/processes.js';
import { writeBenchResults } from './lib/results.js';
import { pairedRatio } from './lib/load.js';
import { ROUND_SECONDS, ROUNDS, throughput } from './lib/throughput.js';

const root = packageRoot();
const TOKEN = 'chatapi-dev-token';
const MESSAGE = { clientId: 'bench-client', query: 'Hello' };
const SEND: Probe = { method: 'POST', path: `/chatapi/${TOKEN}`, body: MESSAGE };
const STUB_MAIN = join(root, 'build', 'server-stub', 'main.js');
const WAITERS = Number(process.env.BENCH_SCALE_WAITERS ?? 10_000);

async function stub(env: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<ServerProcess> {
  const port = await freePort();
  return startServer(process.execPath, [STUB_MAIN, ...args], `http://127.0.0.1:${port}`, SEND, { PORT: String(port), HOST: '127.0.0.1', ...env });
}

/** A process's RSS with its children's (a cluster's primary and workers), from /proc. */
function treeRssMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const own = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return own + children.reduce((sum, child) => sum + treeRssMiB(child, field), 0);
  } catch {
    return NaN;
  }
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

async function main(): Promise<void> {
  let redis: RedisServer | undefined;
  const started: ServerProcess[] = [];
  try {
    redis = await startRedis();
    const onRedis = { CHATAPI_STORE: redis.url };

    console.error(`measuring throughput (the servers in turn, ${ROUNDS} rounds)...`);
    const rows = await throughput(SEND.path, MESSAGE, [
      { name: '1 worker, memory store', start: () => stub() },
      { name: '1 worker, Redis store', start: () => stub(onRedis) },
      { name: '2 workers (node:cluster), Redis store', start: () => stub(onRedis, ['--workers', '2']), rssMiB: (server) => treeRssMiB(server.child.pid ?? -1, 'VmHWM') },
    ]);

    console.error(`measuring ${WAITERS.toLocaleString('en')} long polls over two stubs on one Redis...`);
    const a = await stub({ ...onRedis, CHATAPI_LONG_POLL_MS: '120000' });
    started.push(a);
    const b = await stub({ ...onRedis, CHATAPI_LONG_POLL_MS: '120000' });
    started.push(b);
    const stubs = [a, b];
    const longPoll = await measureLongPoll({
      baseUrl: a.url,
      token: TOKEN,
      waiters: WAITERS,
      pollBase: (i) => stubs[i % 2]!.url,
      // Each waiter is woken through the other stub: Redis carries the event and the wake-up.
      injectBase: (i) => stubs[(i + 1) % 2]!.url,
      parked: async () => {
        // Both stubs say they hold every poll (bounded: a minute).
        for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
          const held = await Promise.all(stubs.map(async (s) => ((await (await fetch(`${s.url}/_stub/stats`)).json()) as { longPolls: number }).longPolls));
          if (held[0]! + held[1]! >= WAITERS) return;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      },
      rssMiB: () => a.currentRssMiB() + b.currentRssMiB(),
    });

    const lines: string[] = [];
    const say = (line = '') => {
      console.log(line);
      lines.push(line);
    };
    say('# Scale: workers, Redis, two stubs');
    say();
    say(`${new Date().toISOString().slice(0, 10)} · ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}) · ${fmt(totalmem() / 2 ** 30, 1)} GiB · Node ${process.version} · redis-server on loopback (\`--save ''\`) · autocannon 50 connections, the servers in turn, 2 s warm-up then ${ROUNDS} rounds of ${ROUND_SECONDS} s, medians; ratios: the median of each round's ratio`);
    say();
    say('## 1. POST /chatapi/{token} (text query, full validation), same load on each');
    say();
    say('| stub | req/s | p50 ms | p99 ms | peak RSS MiB | non-2xx |');
    say('|---|---:|---:|---:|---:|---:|');
    for (const row of rows) say(`| ${row.name} | ${fmt(row.requestsPerSecond)} | ${fmt(row.p50)} | ${fmt(row.p99)} | ${fmt(row.peakRssMiB)} | ${row.non2xx + row.errors} |`);
    const [memory, oneRedis, twoRedis] = rows;
    say();
    say(`- Redis / memory, 1 worker: **${fmt(pairedRatio(oneRedis!.rounds, memory!.rounds) * 100)}%**; 2 workers / 1 worker on Redis: **${fmt(pairedRatio(twoRedis!.rounds, oneRedis!.rounds), 2)}×** (${cpus().length} cores, shared with the load generator and redis-server)`);
    say();
    say(`## 2. ${WAITERS.toLocaleString('en')} long polls over two stubs on one Redis, each woken through the other stub`);
    say();
    say('| RSS of both stubs while waiting MiB | publish → answer p50 ms | p99 ms | max ms | answered | failed |');
    say('|---:|---:|---:|---:|---:|---:|');
    say(`| ${fmt(longPoll.rssWhileWaitingMiB)} | ${fmt(longPoll.p50Ms, 1)} | ${fmt(longPoll.p99Ms, 1)} | ${fmt(longPoll.maxMs, 1)} | ${longPoll.answered} | ${longPoll.failed} |`);
    if (longPoll.firstError) say(`\nFirst failure: ${longPoll.firstError}`);
    say();
    say('Measured with `npm run bench:scale` (bench/scale.ts).');
    for (const path of writeBenchResults('SCALE.md', lines.join('\n') + '\n')) console.error(`wrote ${path}`);
  } finally {
    await Promise.all(started.map((server) => server.stop()));
    await redis?.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
