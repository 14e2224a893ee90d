// `npm run bench:broken`: which of the deliberately broken servers (test/contract/broken-servers/)
// each engine catches — this checkout's, and BENCH_COMPARE's (other checkouts, built), run in turn
// against the same broken stubs of this checkout. Caught: the run exits 1 naming the break's code
// (or, for an engine from before a code existed, exits 1 at all). A clean stub behind the same proxy
// is the control: an engine that fails it catches nothing by its failures.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../description/bundle.js';
import { BROKEN_SERVERS, type BrokenServer } from '../test/contract/broken-servers/servers.js';
import { stubBehindProxy } from '../test/contract/fixtures.js';
import { runBench } from './lib/processes.js';
import { comparedCheckouts } from './lib/checkouts.js';
import { writeBenchResults } from './lib/results.js';

const root = packageRoot();
const ENGINES = [
  { name: 'this checkout', bin: join(root, 'bin', 'chatapi-contract.js') },
  ...comparedCheckouts().map(({ name, dir }) => ({ name, bin: join(dir, 'bin', 'chatapi-contract.js') })),
];

function run(bin: string, args: string[]): Promise<{ code: number | null; stdout: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, seconds: (performance.now() - started) / 1000 });
    });
  });
}

type Verdict = 'caught' | 'exit 1' | 'missed';

async function judge(server: BrokenServer | undefined, bin: string): Promise<{ verdict: Verdict; seconds: number }> {
  const target = await stubBehindProxy({ ...(server ? { corruption: server.corruption, webhook: server.corruption.webhook !== undefined } : {}) });
  try {
    const result = await run(bin, [...target.args, ...(server?.args ?? ['--phases', 'examples'])]);
    if (result.code !== 1) return { verdict: 'missed', seconds: result.seconds };
    return { verdict: server && result.stdout.includes(`[${server.code}]`) ? 'caught' : 'exit 1', seconds: result.seconds };
  } finally {
    await target.close();
  }
}

async function main(): Promise<void> {
  const control = await Promise.all(ENGINES.map(async (engine) => ({ engine, clean: await judge(undefined, engine.bin) })));
  const rows: Array<{ server: string; verdicts: Verdict[] }> = [];
  for (const server of BROKEN_SERVERS) {
    const verdicts: Verdict[] = [];
    for (const engine of ENGINES) {
      console.error(`${engine.name}: ${server.name}...`);
      verdicts.push((await judge(server, engine.bin)).verdict);
    }
    rows.push({ server: server.name, verdicts });
  }
  const count = (index: number, verdict: Verdict | 'any') => rows.filter((r) => (verdict === 'any' ? r.verdicts[index] !== 'missed' : r.verdicts[index] === verdict)).length;
  const lines = [
    '# Broken servers caught, engine by engine (one run)',
    '',
    `Control — the clean stub behind the same proxy, examples phase: ${control.map(({ engine, clean }) => `${engine.name} ${clean.verdict === 'missed' ? 'passes (exit 0)' : 'FAILS'}`).join('; ')}.`,
    '',
    `| broken server | ${ENGINES.map((e) => e.name).join(' | ')} |`,
    `|---|${ENGINES.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.server} | ${row.verdicts.join(' | ')} |`),
    '',
    ...ENGINES.map((engine, index) => `- ${engine.name}: **${count(index, 'any')} of ${rows.length}** fail the run (${count(index, 'caught')} naming the break's code).`),
    '',
  ];
  const text = lines.join('\n');
  console.log(text);
  for (const path of writeBenchResults('BROKEN-SERVERS.md', text)) console.error(`written to ${path}`);
}

runBench(main);
