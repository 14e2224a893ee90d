// `npm run bench`: every figure of the benchmark issue in one run, side by side on loopback, each
// measurement bounded (≤ 10 s), printed as a table and written to reports/bench/RESULTS.md
// (and to bench/RESULTS.md with BENCH_RECORD=1).
import { spawn, spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { freePort } from '../mock/prism.js';
import { BUNDLE_YAML, packageRoot } from '../description/bundle.js';
import { measureLongPoll } from './lib/long-poll.js';
import { median, runBench, startServer, type Probe, type ServerProcess } from './lib/processes.js';
import { writeBenchResults } from './lib/results.js';
import { pairedRatio } from './lib/load.js';
import { ROUND_SECONDS, ROUNDS, throughput, type ThroughputRow } from './lib/throughput.js';

const root = packageRoot();
const TOKEN = 'chatapi-dev-token';
const MESSAGE = { clientId: 'bench-client', query: 'Hello' };
const SEND: Probe = { method: 'POST', path: `/chatapi/${TOKEN}`, body: MESSAGE };
const node = process.execPath;
const STUB_MAIN = join(root, 'build', 'server-stub', 'main.js');
const RAW_EXPRESS = join(root, 'build', 'bench', 'servers', 'raw-express.js');
const PRISM = join(root, 'node_modules', '.bin', 'prism');

async function stub(env: NodeJS.ProcessEnv = {}, main = STUB_MAIN): Promise<ServerProcess> {
  const port = await freePort();
  return startServer(node, [main], `http://127.0.0.1:${port}`, SEND, { PORT: String(port), HOST: '127.0.0.1', ...env });
}

/**
 * `BENCH_COMPARE=<checkout>[,<checkout>…]` (other checkouts, built): their stubs are measured in the
 * same run, side by side with this one (the same rounds, the same load), so that a change is judged
 * by ratios of one run.
 */
const COMPARED = (process.env.BENCH_COMPARE ?? '')
  .split(',')
  .filter((dir) => dir !== '')
  .map((dir) => {
    const commit = spawnSync('git', ['-C', dir, 'log', '-1', '--format=%h'], { encoding: 'utf8' }).stdout.trim();
    return { name: `stub in ${basename(dir)} (${commit || 'no git'})`, main: join(dir, 'build', 'server-stub', 'main.js') };
  });

async function prism(): Promise<ServerProcess> {
  const port = await freePort();
  return startServer(PRISM, ['mock', BUNDLE_YAML, '-h', '127.0.0.1', '-p', String(port), '-v', 'warn'], `http://127.0.0.1:${port}`, SEND);
}

async function rawExpress(reply: string): Promise<ServerProcess> {
  const port = await freePort();
  return startServer(node, [RAW_EXPRESS], `http://127.0.0.1:${port}`, SEND, { PORT: String(port), BENCH_REPLY: reply });
}

async function startupMedian(start: () => Promise<ServerProcess>, runs = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const server = await start();
    times.push(server.startupMs);
    await server.stop();
  }
  return median(times);
}

async function contractSuiteSeconds(): Promise<{ seconds: number; exitCode: number | null }> {
  const webhookPort = await freePort();
  const server = await stub({ CHATAPI_WEBHOOK_URL: `http://127.0.0.1:${webhookPort}/`, CHATAPI_LONG_POLL_MS: '1000' });
  try {
    const started = performance.now();
    const exitCode = await new Promise<number | null>((resolve) => {
      const child = spawn(node, [join(root, 'bin', 'chatapi-contract.js'), '--base-url', server.url, '--token', TOKEN, '--webhook-port', String(webhookPort)], { stdio: 'ignore' });
      child.on('exit', resolve);
    });
    return { seconds: (performance.now() - started) / 1000, exitCode };
  } finally {
    await server.stop();
  }
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const check = (ok: boolean) => (ok ? 'met' : 'MISSED');

async function main(): Promise<void> {
  const lines: string[] = [];
  const say = (line = '') => {
    console.log(line);
    lines.push(line);
  };

  // The raw Express baseline answers with exactly the stub's reply to the same message.
  const probe = await stub();
  let reply: string;
  try {
    reply = await (await fetch(probe.url + SEND.path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(MESSAGE) })).text();
  } finally {
    await probe.stop();
  }

  console.error(`measuring throughput (the servers in turn, ${ROUNDS} rounds)...`);
  const rows = await throughput(SEND.path, MESSAGE, [
    { name: 'raw Express (express.json + res.send)', start: () => rawExpress(reply) },
    { name: 'stub, request + response validation', start: () => stub() },
    { name: 'stub, request validation only', start: () => stub({ CHATAPI_VALIDATE_RESPONSES: 'false' }) },
    { name: 'Prism 5.14.2 mock (-v warn)', start: prism },
    ...COMPARED.map((other) => ({ name: `${other.name}, request + response validation`, start: () => stub({}, other.main) })),
  ]);
  const [raw, full, requestOnly, prismRow, ...compared] = rows as [ThroughputRow, ThroughputRow, ThroughputRow, ThroughputRow, ...ThroughputRow[]];

  console.error('measuring start-up (5 × stub, 5 × Prism)...');
  const stubStartup = await startupMedian(() => stub());
  const prismStartup = await startupMedian(prism);
  const comparedStartups: number[] = [];
  for (const other of COMPARED) comparedStartups.push(await startupMedian(() => stub({}, other.main)));

  console.error('measuring 2,000 long-poll waiters...');
  const longPollServer = await stub({ CHATAPI_LONG_POLL_MS: '60000' });
  let longPoll: Awaited<ReturnType<typeof measureLongPoll>>;
  try {
    longPoll = await measureLongPoll({ baseUrl: longPollServer.url, token: TOKEN, waiters: 2000, rssMiB: () => longPollServer.currentRssMiB() });
  } finally {
    await longPollServer.stop();
  }

  console.error('timing the contract suite against the stub...');
  const contract = await contractSuiteSeconds();

  const date = new Date().toISOString().slice(0, 10);
  say(`# Benchmark results`);
  say();
  say(`${date} · ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}) · ${fmt(totalmem() / 2 ** 30, 1)} GiB · Node ${process.version} · loopback, autocannon 50 connections; throughput: the servers in turn, 2 s warm-up then ${ROUNDS} rounds of ${ROUND_SECONDS} s each, medians; ratios: the median of each round's ratio`);
  say();
  say(`## 1. POST /chatapi/{token} (text query), same load on each server`);
  say();
  say(`| server | req/s | p50 ms | p99 ms | peak RSS MiB | non-2xx |`);
  say(`|---|---:|---:|---:|---:|---:|`);
  for (const row of rows) {
    say(`| ${row.name} | ${fmt(row.requestsPerSecond)} | ${fmt(row.p50)} | ${fmt(row.p99)} | ${fmt(row.peakRssMiB)} | ${row.non2xx + row.errors} |`);
  }
  say();
  const vsPrism = pairedRatio(full.rounds, prismRow.rounds);
  const vsRaw = pairedRatio(full.rounds, raw.rounds);
  say(`- stub (full validation) / Prism: **${fmt(vsPrism, 2)}×** (target ≥ 1.5×: ${check(vsPrism >= 1.5)})`);
  say(`- stub (full validation) / raw Express: **${fmt(vsRaw * 100)}%** (target ≥ 80%: ${check(vsRaw >= 0.8)})`);
  say(`- stub (request validation only) / raw Express: ${fmt(pairedRatio(requestOnly.rounds, raw.rounds) * 100)}%`);
  say(`- stub (full validation) p99: **${fmt(full.p99)} ms** (target ≤ 60 ms: ${check(full.p99 <= 60)})`);
  for (const other of compared) {
    say(`- ${other.name.replace(/, request.*/, '')} / raw Express: **${fmt(pairedRatio(other.rounds, raw.rounds) * 100)}%**; this stub / that one: **${fmt(pairedRatio(full.rounds, other.rounds) * 100)}%**`);
  }
  say();
  say(`## 2. Start-up: spawn to the first validated 200 (median of 5)`);
  say();
  say(`| server | ms |`);
  say(`|---|---:|`);
  say(`| stub (\`node build/server-stub/main.js\`) | ${fmt(stubStartup)} |`);
  say(`| Prism mock | ${fmt(prismStartup)} |`);
  for (const [index, other] of COMPARED.entries()) say(`| ${other.name} | ${fmt(comparedStartups[index]!)} |`);
  say();
  say(`- stub start-up: **${fmt(stubStartup)} ms** (target ≤ 600 ms: ${check(stubStartup <= 600)})`);
  for (const [index, other] of COMPARED.entries()) say(`- this stub's start-up / that of the ${other.name}: **${fmt((stubStartup / comparedStartups[index]!) * 100)}%**`);
  say();
  say(`## 3. Long polling: ${longPoll.waiters} concurrent /events waiters on the stub`);
  say();
  say(`| RSS while waiting MiB | publish → answer p50 ms | p99 ms | max ms | answered |`);
  say(`|---:|---:|---:|---:|---:|`);
  say(`| ${fmt(longPoll.rssWhileWaitingMiB)} | ${fmt(longPoll.p50Ms, 1)} | ${fmt(longPoll.p99Ms, 1)} | ${fmt(longPoll.maxMs, 1)} | ${longPoll.answered} |`);
  say();
  say(`- RSS: ${check(longPoll.rssWhileWaitingMiB < 250)} (target < 250 MiB); wake-up p99: ${check(longPoll.p99Ms <= 50)} (target ≤ 50 ms)`);
  say();
  say(`## 4. Contract suite against the stub`);
  say();
  say(`- \`chatapi-contract --base-url … --webhook-port …\` (stub long poll 1 s): **${fmt(contract.seconds, 1)} s**, exit code ${String(contract.exitCode)}`);
  say();
  say(`Measured with \`npm run bench\` (bench/run.ts).`);
  for (const path of writeBenchResults('RESULTS.md', lines.join('\n') + '\n')) console.error(`written to ${path}`);
}

runBench(main);
