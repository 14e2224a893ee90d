// Runs the contract CLI as a child process, as a user would, and reads what it printed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../description/bundle.js';

export const ROOT = packageRoot();
export const BIN = join(ROOT, 'bin', 'chatapi-contract.js');
export const CLI_SOURCE = join(ROOT, 'contract', 'main.ts');
export const DEV_TOKEN = 'chatapi-dev-token';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * `via: 'bin'` runs `node bin/chatapi-contract.js` (the compiled build, as `npx chatapi-contract`
 * does); `via: 'source'` runs contract/main.ts through tsx, so that the tests see the current source.
 */
export function runCli(
  args: string[],
  options: { via?: 'bin' | 'source'; timeoutMs?: number; env?: NodeJS.ProcessEnv; /** another copy of the package (bin only) */ cwdRoot?: string } = {},
): Promise<CliRun> {
  const bin = options.cwdRoot ? join(options.cwdRoot, 'bin', 'chatapi-contract.js') : BIN;
  const command = options.via === 'bin' ? [bin] : ['--import', 'tsx', CLI_SOURCE];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...command, ...args], { cwd: options.cwdRoot ?? ROOT, env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 45_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** The `[status] name` lines of the output, by check name. */
export function statuses(stdout: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const match = /^\[(passed|failed|not run|not applicable)\]\s+(.+?)(?: \(\d+ requests?, \d+ ms\))?(?: — .*)?$/.exec(line);
    if (match) map.set(match[2]!, match[1]!);
  }
  return map;
}

/** The output of one check: its line and the violation lines under it. */
export function checkOutput(stdout: string, name: string): string {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => /^\[/.test(l) && l.includes(name));
  if (start < 0) return '';
  const end = lines.findIndex((l, i) => i > start && !l.startsWith(' '));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The bin runs build/contract/main.js. `npm test` builds first; a bare `vitest run` may find the
 * build missing or older than the source, and then compiles it (tsc emits even if another part of
 * the project has type errors, which the typecheck reports anyway).
 */
export function ensureBuilt(): void {
  const built = join(ROOT, 'build', 'contract', 'main.js');
  const stale = !existsSync(built) || statSync(built).mtimeMs < Math.max(...['contract', 'description', 'traffic'].map((dir) => newestSource(join(ROOT, dir))));
  if (stale) spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  if (!existsSync(built)) throw new Error('build/contract/main.js is missing after tsc -p tsconfig.build.json');
}
