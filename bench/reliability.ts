// `npm run bench:reliability`: the figures of the reliability issue, on loopback, against the
// compiled stub as a process (`npm run build` first), printed and written to reports/bench/RELIABILITY.md
// (and to bench/RELIABILITY.md with BENCH_RECORD=1):
//   1. 10,000 concurrent long-poll waiters: RSS while they wait, publish → answer p50/p99;
//   2. a soak at 100 connections with a new clientId on every request: errors, RSS start → end;
//   3. the SQLite store's throughput next to the in-memory store's, side by side;
//   4. the time to deliver a backlog of 1,000 webhook items once the receiver is back from an outage,
//      with the default retry policy.
// BENCH_SOAK_SECONDS (default 60) and BENCH_OUTAGE_SECONDS (default 15) shorten a trial run.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../mock/prism.js';
import { packageRoot } from '../description/bundle.js';
import { measureLongPoll } from './lib/long-poll.js';
import { median, runBench, startServer, type ServerProcess } from './lib/processes.js';
import { writeBenchResults } from './lib/results.js';

const root = packageRoot();
const TOKEN = 'chatapi-dev-token';
const SEND_PATH = `/chatapi/${TOKEN}`;
const STUB_MAIN = join(root, 'build', 'server-stub', 'main.js');
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 60);
const OUTAGE_SECONDS = Number(process.env.BENCH_OUTAGE_SECONDS ?? 15);
/** BENCH_ONLY=longpoll,soak,stores,backlog runs some of the parts (all by default). */
const only = new Set((process.env.BENCH_ONLY ?? 'longpoll,soak,stores,backlog').split(',').map((part) => part.trim()));
const scratch = mkdtempSync(join(tmpdir(), 'chatapi-bench-'));

async function stub(env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const port = await freePort();
  return startServer(process.execPath, [STUB_MAIN], `http://127.0.0.1:${port}`, { method: 'POST', path: SEND_PATH, body: { clientId: 'bench-probe', query: 'Hello' } }, { PORT: String(port), HOST: '127.0.0.1', ...env });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** autocannon POSTing a message whose clientId comes from `clientId(n)` for the n-th request. */
function load(url: string, connections: number, seconds: number, clientId: (n: number) => string): Promise<autocannon.Result> {
  let n = 0;
  return autocannon({
    url: url + SEND_PATH,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: JSON.stringify({ clientId: clientId(n++), query: 'Hello' }) }),
      },
    ],
  });
}

async function longPolls(waiters: number) {
  // Long enough that no poll times out while the 10,000 operator replies are injected one by one.
  const server = await stub({ CHATAPI_LONG_POLL_MS: '300000' });
  try {
    return await measureLongPoll({ baseUrl: server.url, token: TOKEN, waiters, rssMiB: () => server.currentRssMiB() });
  } finally {
    await server.stop();
  }
}

async function soak(seconds: number) {
  const server = await stub();
  try {
    // RSS at start: after a 2 s warm-up (JIT, validators compiled), before the soak proper.
    await load(server.url, 100, 2, (n) => `warm-${n}`);
    const rssStart = server.currentRssMiB();
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(server.currentRssMiB()), 10_000);
    const result = await load(server.url, 100, seconds, (n) => `soak-${n}`).finally(() => clearInterval(sampler));
    const rssEnd = server.currentRssMiB();
    // Still answering, and with the cap in force, after the soak.
    const after = await fetch(server.url + SEND_PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: 'after-soak', query: 'Hello' }) });
    return {
      seconds,
      requests: result.requests.total,
      requestsPerSecond: result.requests.average,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      rssStart,
      rssEnd,
      rssPeak: server.peakRssMiB(),
      samples,
      answersAfter: after.status,
    };
  } finally {
    await server.stop();
  }
}

/** Memory and SQLite stubs run side by side; the load visits them in turn (1,000 clients in rotation). */
async function stores() {
  const servers: { name: string; server: ServerProcess }[] = [];
  try {
    servers.push({ name: 'memory (default)', server: await stub() });
    servers.push({ name: 'SQLite (`CHATAPI_STORE=sqlite:…`, WAL)', server: await stub({ CHATAPI_STORE: `sqlite:${join(scratch, 'throughput.db')}` }) });
    const rounds = servers.map(() => [] as autocannon.Result[]);
    for (const { server } of servers) await load(server.url, 50, 2, (n) => `c-${n % 1000}`);
    for (let round = 0; round < 3; round++) {
      for (const [index, { server }] of servers.entries()) rounds[index]!.push(await load(server.url, 50, 3, (n) => `c-${n % 1000}`));
    }
    return servers.map(({ name, server }, index) => {
      const results = rounds[index]!;
      return {
        name,
        requestsPerSecond: median(results.map((r) => r.requests.average)),
        p50: median(results.map((r) => r.latency.p50)),
        p99: median(results.map((r) => r.latency.p99)),
        bad: results.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0),
        peakRssMiB: server.peakRssMiB(),
      };
    });
  } finally {
    await Promise.all(servers.map(({ server }) => server.stop()));
  }
}

/**
 * A receiver that answers 503 (down) until told otherwise; records when each item was accepted.
 * 1,000 async messages are sent while it is down, it stays down for the outage, then comes back.
 */
async function backlog(clients: number, perClient: number, outageSeconds: number, storeEnv: NodeJS.ProcessEnv = {}) {
  let up = false;
  const accepted: number[] = [];
  const seen = new Set<string>();
  let outOfOrder = 0;
  const lastOf = new Map<string, number>();
  const receiver: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      if (!up) return void res.writeHead(503).end();
      for (const item of JSON.parse(text) as { clientId: string; questionId: string; data: { answer: string } }[]) {
        if (seen.has(item.questionId)) continue;
        seen.add(item.questionId);
        accepted.push(performance.now());
        const n = Number(/#(\d+)$/.exec(item.data.answer)?.[1] ?? NaN);
        if (n < (lastOf.get(item.clientId) ?? -1)) outOfOrder++;
        lastOf.set(item.clientId, n);
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const server = await stub({ CHATAPI_WEBHOOK_URL: hook, ...storeEnv });
  const total = clients * perClient;
  try {
    const sendStarted = performance.now();
    const sends: Promise<unknown>[] = [];
    for (let c = 0; c < clients; c++) {
      // One client's messages one after the other (their order is what the receiver checks); clients in parallel.
      sends.push(
        (async () => {
          for (let i = 0; i < perClient; i++) {
            const response = await fetch(`${server.url}${SEND_PATH}/async`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ clientId: `backlog-${c}`, query: `item #${i}` }),
            });
            if (response.status !== 200) throw new Error(`async send: ${response.status} ${await response.text()}`);
            await response.arrayBuffer();
          }
        })(),
      );
    }
    await Promise.all(sends);
    const sendMs = performance.now() - sendStarted;
    await sleep(Math.max(0, outageSeconds * 1000 - sendMs));
    const back = performance.now();
    up = true;
    const deadline = back + 120_000;
    while (accepted.length < total && performance.now() < deadline) await sleep(20);
    return {
      clients,
      perClient,
      outageSeconds,
      firstMs: (accepted[0] ?? NaN) - back,
      allMs: accepted.length === total ? accepted[total - 1]! - back : NaN,
      drainMs: accepted.length === total ? accepted[total - 1]! - accepted[0]! : NaN,
      delivered: accepted.length,
      total,
      outOfOrder,
    };
  } finally {
    await server.stop();
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
}

async function main(): Promise<void> {
  const lines: string[] = [];
  const say = (line = '') => {
    console.log(line);
    lines.push(line);
  };

  const step = async <T>(part: string, title: string, run: () => Promise<T>): Promise<T | undefined> => {
    if (!only.has(part)) return undefined;
    console.error(`${title}...`);
    return run();
  };
  const lp = await step('longpoll', '10,000 long-poll waiters', () => longPolls(10_000));
  const soaked = await step('soak', `soak, ${SOAK_SECONDS} s at 100 connections, a new clientId per request`, () => soak(SOAK_SECONDS));
  const storeRows = await step('stores', 'memory vs SQLite store throughput', stores);
  const backlogs = await step('backlog', `webhook backlog of 1,000 items after a ${OUTAGE_SECONDS} s outage (default retry policy)`, async () => [
    await backlog(100, 10, OUTAGE_SECONDS),
    await backlog(1, 1000, OUTAGE_SECONDS),
    await backlog(100, 10, OUTAGE_SECONDS, { CHATAPI_STORE: `sqlite:${join(scratch, 'backlog.db')}` }),
  ]);

  say(`# Reliability benchmark results`);
  say();
  say(`${new Date().toISOString().slice(0, 10)} · ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}) · ${fmt(totalmem() / 2 ** 30, 1)} GiB · Node ${process.version} · loopback, the compiled stub as a process with its defaults unless said`);
  say();
  if (lp) {
    say(`## 1. ${lp.waiters.toLocaleString('en')} concurrent long-poll waiters`);
    say();
    say(`| RSS while waiting MiB | publish → answer p50 ms | p99 ms | max ms | answered | failed |`);
    say(`|---:|---:|---:|---:|---:|---:|`);
    say(`| ${fmt(lp.rssWhileWaitingMiB)} | ${fmt(lp.p50Ms, 1)} | ${fmt(lp.p99Ms, 1)} | ${fmt(lp.maxMs, 1)} | ${lp.answered} | ${lp.failed}${lp.firstError ? ` (first: ${lp.firstError})` : ''} |`);
    say();
    say(`Each waiter holds \`GET /events?clientId=lp-N\`; then an operator reply is injected for each, one after the other, through the control API; the delay runs from sending the injection to the waiter's answer.`);
    say();
  }
  if (soaked) {
    say(`## 2. Soak: ${soaked.seconds} s at 100 connections, a new clientId on every request (CHATAPI_MAX_CLIENTS 10,000)`);
    say();
    say(`| requests | req/s | p99 ms | non-2xx | errors | RSS start MiB | RSS end MiB | peak MiB | RSS every 10 s MiB | answers after |`);
    say(`|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|`);
    say(`| ${soaked.requests} | ${fmt(soaked.requestsPerSecond)} | ${fmt(soaked.p99)} | ${soaked.non2xx} | ${soaked.errors} | ${fmt(soaked.rssStart)} | ${fmt(soaked.rssEnd)} | ${fmt(soaked.rssPeak)} | ${soaked.samples.map((s) => fmt(s)).join(', ')} | ${soaked.answersAfter} |`);
    say();
  }
  if (storeRows) {
    say(`## 3. Store throughput side by side: POST /chatapi/{token}, 50 connections, 1,000 clients in rotation`);
    say();
    say(`| store | req/s | p50 ms | p99 ms | peak RSS MiB | non-2xx + errors |`);
    say(`|---|---:|---:|---:|---:|---:|`);
    for (const row of storeRows) say(`| ${row.name} | ${fmt(row.requestsPerSecond)} | ${fmt(row.p50)} | ${fmt(row.p99)} | ${fmt(row.peakRssMiB)} | ${row.bad} |`);
    say();
    say(`Both stubs run at once and the load visits them in turn: 2 s warm-up, then 3 rounds of 3 s each; medians.`);
    say();
  }
  if (backlogs) {
    say(`## 4. A backlog of 1,000 webhook items after a ${OUTAGE_SECONDS} s outage (default policy: 15 attempts, 200 ms doubling, 10 s ceiling)`);
    say();
    say(`| shape | store | first item after recovery ms | all 1,000 after recovery ms | drain (first → last) ms | delivered | out of order |`);
    say(`|---|---|---:|---:|---:|---:|---:|`);
    for (const [index, b] of backlogs.entries()) {
      say(`| ${b.clients} client${b.clients > 1 ? 's' : ''} × ${b.perClient} | ${index === 2 ? 'SQLite' : 'memory'} | ${fmt(b.firstMs)} | ${fmt(b.allMs)} | ${fmt(b.drainMs)} | ${b.delivered}/${b.total} | ${b.outOfOrder} |`);
    }
    say();
    say(`The receiver answers 503 while the 1,000 async replies are sent and for the rest of the outage, then 200. "After recovery" includes the wait for each client's next retry, at most the 10 s ceiling once the outage is long; the drain is the delivery itself, one item at a time per client.`);
    say();
  }
  say(`Measured with \`npm run bench:reliability\` (bench/reliability.ts).`);
  // Only a full run is written (a BENCH_ONLY trial run is printed).
  if (only.size === 4) for (const path of writeBenchResults('RELIABILITY.md', lines.join('\n') + '\n')) console.error(`written to ${path}`);
}

runBench(() => main().finally(() => rmSync(scratch, { recursive: true, force: true })));
