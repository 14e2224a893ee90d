// `npm run bench:package`: the figures of the packages as users get them. Packs both packages as
// `npm run release` does (into release/; prepack builds from scratch), installs them with npm into
// fresh projects outside the repository, and prints the tarball sizes, the packages the client alone
// installs, and the time from `npx chatapi-stub` to its first answer to a send (spawn to the first
// 200, five runs). Every stub runs in a process group of its own, stopped as a whole (npx runs it
// under npm and a shell).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { freePort } from '../mock/prism.js';
import { packRelease } from '../scripts/release.mjs';
import { median, runBench, startServer } from './lib/processes.js';
import { writeBenchResults } from './lib/results.js';

const RUNS = 5;
const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
const INSTALL = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'chatapi-bench-package-'));
  const lines: string[] = [];
  const say = (line: string) => {
    console.log(line);
    lines.push(line);
  };
  try {
    const { client: clientTgz, toolkit: rootTgz } = packRelease();
    const kib = (file: string) => (statSync(file).size / 1024).toFixed(0);
    say('# The packages as users install them');
    say('');
    say(`- tarball ${basename(rootTgz)}: ${kib(rootTgz)} KiB`);
    say(`- tarball ${basename(clientTgz)}: ${kib(clientTgz)} KiB`);

    const project = (name: string) => {
      const dir = join(work, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
      return dir;
    };
    const count = (dir: string) =>
      npm(['ls', '--all', '--parseable'], dir)
        .split('\n')
        .filter((line) => line.includes('node_modules')).length;

    const front = project('front');
    npm([...INSTALL, clientTgz], front);
    say(`- packages installed by @chatapi-contract/client alone: ${count(front)}`);

    const app = project('app');
    const installStarted = performance.now();
    npm([...INSTALL, clientTgz, rootTgz], app);
    say(`- packages installed by chatapi-contract (with the client): ${count(app)} (npm install ${((performance.now() - installStarted) / 1000).toFixed(1)} s, from the cache)`);

    // npx looks for the command in the current project: run from the consumer's folder.
    process.chdir(app);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const port = await freePort();
      const server = await startServer('npx', ['--no-install', 'chatapi-stub', '--port', String(port)], `http://127.0.0.1:${port}`, {
        method: 'POST',
        path: '/chatapi/chatapi-dev-token',
        body: { clientId: 'bench', query: '/start' },
      });
      times.push(server.startupMs);
      await server.stop();
    }
    say(`- npx chatapi-stub to its first answer (POST a send, 200): median ${median(times).toFixed(0)} ms, min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)} (${RUNS} runs)`);
    say('');
    say('Measured with `npm run bench:package` (bench/package.ts).');
    for (const path of writeBenchResults('PACKAGE.md', lines.join('\n') + '\n')) console.error(`written to ${path}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

runBench(main);
