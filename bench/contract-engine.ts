// `npm run bench:contract`: how long the contract engine's default run takes against the stub, at
// the default --rate and at --rate 1000, and how many requests per second its fuzz phase sustains
// at --rate 1000, next to what the same stub answers under autocannon in the same run (the engine
// must not be the bottleneck). With BENCH_COMPARE=<checkout>[,…] (other checkouts, built), their
// engines run the --rate 1000 run against the same stub, in turn with this one, round after round:
// an engine change is judged by ratios of one run. Prints its figures and writes them to
// reports/bench/CONTRACT.md; everything on loopback.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from '../contract/engine/report.js';
import { freePort } from '../mock/prism.js';
import { packageRoot } from '../description/bundle.js';
import { measureLoad } from './lib/load.js';
import { runBench, startServer, type Probe, type ServerProcess } from './lib/processes.js';
import { comparedCheckouts } from './lib/checkouts.js';
import { writeBenchResults } from './lib/results.js';

const root = packageRoot();
const TOKEN = 'chatapi-dev-token';
const SEND: Probe = { method: 'POST', path: `/chatapi/${TOKEN}`, body: { clientId: 'bench-client', query: 'Hello' } };
const dir = mkdtempSync(join(tmpdir(), 'chatapi-bench-contract-'));

async function stub(env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const port = await freePort();
  return startServer(process.execPath, [join(root, 'build', 'server-stub', 'main.js')], `http://127.0.0.1:${port}`, SEND, { PORT: String(port), HOST: '127.0.0.1', ...env });
}

interface Run {
  seconds: number;
  exitCode: number | null;
  report: RunReport;
}

/** Engines to time: this checkout's, and BENCH_COMPARE's (whose reports may have the older shape). */
const ENGINES = [
  { name: 'this checkout', bin: join(root, 'bin', 'chatapi-contract.js') },
  ...comparedCheckouts().map(({ name, dir }) => ({ name, bin: join(dir, 'bin', 'chatapi-contract.js') })),
];

/** One run of the command (this checkout's unless `bin` says) against a fresh stub of this checkout with a webhook receiver. */
async function contract(args: string[], env: NodeJS.ProcessEnv = { CHATAPI_LONG_POLL_MS: '1000' }, bin = ENGINES[0]!.bin): Promise<Run> {
  const webhookPort = await freePort();
  const server = await stub({ CHATAPI_WEBHOOK_URL: `http://127.0.0.1:${webhookPort}/`, ...env });
  const json = join(dir, `run-${Date.now()}.json`);
  try {
    const started = performance.now();
    const exitCode = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [bin, '--base-url', server.url, '--token', TOKEN, '--webhook-port', String(webhookPort), '--seed', '1', '--json', json, ...args], { stdio: 'ignore' });
      child.on('exit', resolve);
    });
    return { seconds: (performance.now() - started) / 1000, exitCode, report: JSON.parse(readFileSync(json, 'utf8')) as RunReport };
  } finally {
    await server.stop();
  }
}

/** A check's kind: `suite` now, `kind` in reports of engines before the split. */
const suiteOf = (check: RunReport['checks'][number]) => check.suite ?? (check as { kind?: string }).kind;
const requests = (report: RunReport, suite?: string) => report.checks.filter((c) => !suite || suiteOf(c) === suite).reduce((sum, c) => sum + c.requests, 0);
const ROUNDS = 3;
const fmt = (n: number, digits = 0) => n.toFixed(digits);

async function main(): Promise<void> {
  console.error('default run (--rate 20)...');
  const slow = await contract([]);
  // Every engine at --rate 1000, in turn, round after round: a slow spell hits them alike.
  const rounds: Run[][] = ENGINES.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, engine] of ENGINES.entries()) {
      console.error(`--rate 1000, every phase, round ${round + 1}/${ROUNDS}: ${engine.name}...`);
      rounds[index]!.push(await contract(['--rate', '1000'], undefined, engine.bin));
    }
  }
  const medianRun = (runs: Run[]) => [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)]!;
  const fast = medianRun(rounds[0]!);
  console.error('fuzz phase alone at --rate 1000, 200 examples per operation and property...');
  const fuzz = await contract(['--rate', '1000', '--phases', 'fuzz', '--max-examples', '200'], { CHATAPI_LONG_POLL_MS: '1000' });
  console.error('the stub under autocannon (50 connections, 5 s)...');
  const server = await stub();
  let load: Awaited<ReturnType<typeof measureLoad>>;
  try {
    load = await measureLoad({ url: server.url + SEND.path, body: SEND.body, seconds: 5 });
  } finally {
    await server.stop();
  }

  const fuzzRequests = requests(fuzz.report, 'fuzz');
  // The events method holds each request for the long poll (1 s) when there is nothing new: its
  // check takes the whole phase's time. The other operations show what the engine itself sustains.
  const quick = fuzz.report.checks.filter((c) => c.suite === 'fuzz' && !c.id.startsWith('getEvents/'));
  const perCheck = quick.map((c) => c.requests / (c.durationMs / 1000)).sort((a, b) => a - b);
  const medianPerCheck = perCheck[Math.floor(perCheck.length / 2)] ?? 0;
  const lines = [
    '# Contract engine against the stub (long poll 1 s, webhook receiver, --seed 1)',
    '',
    '| run | time s | requests | exit |',
    '|---|---:|---:|---:|',
    `| default (--rate 20), every phase | ${fmt(slow.seconds, 1)} | ${requests(slow.report)} | ${String(slow.exitCode)} |`,
    `| --rate 1000, every phase | ${fmt(fast.seconds, 1)} | ${requests(fast.report)} | ${String(fast.exitCode)} |`,
    `| --rate 1000 --phases fuzz --max-examples 200 | ${fmt(fuzz.seconds, 1)} | ${fuzzRequests} | ${String(fuzz.exitCode)} |`,
    '',
    `Every phase at --rate 1000, ${ROUNDS} rounds, the engines in turn against the same stub (median run):`,
    '',
    '| engine | time s (median; all rounds) | requests | req/s | checks | exit |',
    '|---|---:|---:|---:|---:|---:|',
    ...ENGINES.map((engine, index) => {
      const runs = rounds[index]!;
      const run = medianRun(runs);
      return `| ${engine.name} | ${fmt(run.seconds, 1)} (${runs.map((r) => fmt(r.seconds, 1)).join(', ')}) | ${requests(run.report)} | ${fmt(requests(run.report) / run.seconds)} | ${run.report.checks.length} | ${String(run.exitCode)} |`;
    }),
    ...(ENGINES.length > 1 ? ['', `- time ratio, this checkout / ${ENGINES[1]!.name}: ${fmt(fast.seconds / medianRun(rounds[1]!).seconds, 2)}; requests per second ratio: ${fmt(requests(fast.report) / fast.seconds / (requests(medianRun(rounds[1]!).report) / medianRun(rounds[1]!).seconds), 2)}`] : []),
    '',
    `- fuzz phase as a whole: **${fmt(fuzzRequests / fuzz.seconds)} req/s** (long polls included: the events check holds each generated request up to 1 s, 32 in flight)`,
    `- fuzz checks of the other operations: median **${fmt(medianPerCheck)} req/s** per check (${fmt(perCheck[0] ?? 0)}–${fmt(perCheck.at(-1) ?? 0)}); 4 run at once, so about ${fmt(Math.min(1000, medianPerCheck * 4))} req/s together, against the --rate 1000 ceiling`,
    `- the same stub under autocannon (POST send, 50 connections): **${fmt(load.requestsPerSecond)} req/s**, p99 ${fmt(load.p99)} ms`,
    `- per kind of check at --rate 1000: ${['positive', 'negative', 'behaviour', 'webhook', 'coverage', 'unsupported_method', 'fuzz', 'stateful']
      .map((kind) => `${kind} ${requests(fast.report, kind)}`)
      .join(', ')} requests`,
  ];
  lines.push('', 'Measured with `npm run bench:contract` (bench/contract-engine.ts).');
  console.log(lines.join('\n'));
  for (const path of writeBenchResults('CONTRACT.md', lines.join('\n') + '\n')) console.error(`written to ${path}`);
}

runBench(main);
