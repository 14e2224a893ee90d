// `npm run bench:start`: the time from `npm start` to the stub's first answer (a send, 200), as a
// newcomer meets it, in a fresh copy of the working tree (no build/, no dist/): the first start (a
// full build), then starts with nothing changed and with only the environment changed (BENCH_RUNS
// each, default 5), which skip the bundle and the docs and find TypeScript up to date.
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStubCommand } from '../test/helpers/stub-command.js';
import { copyWorkingTree } from '../test/helpers/working-tree.js';
import { median, runBench } from './lib/processes.js';
import { writeBenchResults } from './lib/results.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** One `npm start` in the copy: its time to the first answer and its build lines. */
async function npmStart(cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ ms: number; build: string[] }> {
  const server = await startStubCommand('npm', ['start'], { cwd, env, timeoutMs: 300_000 });
  try {
    return { ms: server.firstAnswerMs, build: server.output().split('\n').filter((line) => line.startsWith('build: ')) };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const tree = await mkdtemp(join(tmpdir(), 'chatapi-bench-start-'));
  try {
    await copyWorkingTree(tree);
    console.error('first start (full build)...');
    const first = await npmStart(tree);
    const unchanged: number[] = [];
    const envChanged: number[] = [];
    let skipped: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      console.error(`start ${i + 1}/${RUNS} with nothing changed, then with other variables...`);
      const same = await npmStart(tree);
      unchanged.push(same.ms);
      skipped = same.build;
      envChanged.push((await npmStart(tree, { CHATAPI_LONG_POLL_MS: String(1000 + i), CHATAPI_TOKENS: `chatapi-dev-token,token-${i}` })).ms);
    }
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const range = (values: number[]) => `median **${s(median(values))}** (${s(Math.min(...values))}–${s(Math.max(...values))}, ${values.length} runs)`;
    const lines = [
      '# `npm start` to the first answer',
      '',
      `${new Date().toISOString().slice(0, 10)} · ${cpus().length} cores · Node ${process.version} · a fresh copy of the working tree; spawn of \`npm start\` to the first 200 of \`POST /chatapi/{token}\``,
      '',
      '| start | time |',
      '|---|---|',
      `| first (fresh copy: bundle, docs, tsc) | ${s(first.ms)} |`,
      `| again, nothing changed | ${range(unchanged)} |`,
      `| again, only variables changed (CHATAPI_LONG_POLL_MS, CHATAPI_TOKENS) | ${range(envChanged)} |`,
      '',
      'The build lines of a start with nothing changed:',
      '',
      '```text',
      ...skipped,
      '```',
      '',
      'Measured with `npm run bench:start` (bench/start.ts).',
    ];
    console.log(lines.join('\n'));
    writeBenchResults('START.md', lines.join('\n') + '\n');
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}

runBench(main);
