// The compiled stub as a process (`node build/server-stub/main.js`, built by `npm test`), as a user
// runs it: spawned with an environment, ready once it prints its address, stopped by its PID.
// `killAll()` (in afterEach) SIGKILLs whatever a test left running, also when it failed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { packageRoot } from '../../description/bundle.js';
import { Api, eventually, TEST_BOT } from './helpers.js';

export const MAIN = join(packageRoot(), 'build', 'server-stub', 'main.js');
const TOKEN = 'chatapi-dev-token';

export interface SpawnedStub {
  child: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StubProcess extends SpawnedStub {
  url: string;
  api: Api;
}

const running = new Set<ChildProcess>();

/** SIGKILLs every stub process still running (afterEach). */
export function killAll(): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  running.clear();
}

export function spawnStub(env: NodeJS.ProcessEnv, args: string[] = []): SpawnedStub {
  expect(existsSync(MAIN), `${MAIN} is missing: run \`npm run build\` (npm test does)`).toBe(true);
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', CHATAPI_BOT_SCRIPT: TEST_BOT, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exit };
}

export async function startStubProcess(env: NodeJS.ProcessEnv, args: string[] = []): Promise<StubProcess> {
  const started = spawnStub(env, args);
  const url = await eventually(() => {
    if (started.child.exitCode !== null) throw new Error(`the stub exited with ${started.child.exitCode}:\n${started.output()}`);
    return /server stub on (http:\/\/127\.0\.0\.1:\d+)/.exec(started.output())?.[1];
  }, 20_000, 10);
  return { ...started, url, api: new Api(url, TOKEN) };
}

/** SIGTERM, and the exit it leads to. */
export async function stopStub(stub: SpawnedStub): Promise<void> {
  if (stub.child.exitCode === null && stub.child.signalCode === null) stub.child.kill('SIGTERM');
  await stub.exit;
}
