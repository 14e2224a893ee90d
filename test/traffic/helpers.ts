// The proxy as users run it: `chatapi-contract proxy` as a process (the compiled bin), ready once it
// prints where it listens, stopped with SIGINT (or SIGTERM), its output and exit code kept.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { freePort } from '../../mock/prism.js';
import { packageRoot } from '../../description/bundle.js';
import { ensureBuilt } from '../contract/helpers.js';
import { listen } from '../../traffic/forward-proxy.js';

export const BIN = join(packageRoot(), 'bin', 'chatapi-contract.js');

export interface ProxyProcess {
  url: string;
  /** Where the service must post its webhooks, when a webhook port was asked for. */
  webhookUrl?: string;
  child: ChildProcess;
  output(): string;
  /** Stops it (SIGINT by default) and resolves with its exit code once it has written its reports. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startProxyProcess(args: string[], options: { webhook?: boolean } = {}): Promise<ProxyProcess> {
  ensureBuilt();
  const port = await freePort();
  const webhookPort = options.webhook ? await freePort() : undefined;
  const child = spawn(process.execPath, [BIN, 'proxy', '--port', String(port), ...(webhookPort ? ['--webhook-port', String(webhookPort)] : []), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = Date.now();
  while (!/chatapi-contract proxy: http:\/\/127\.0\.0\.1:\d+ → /.test(output)) {
    if (child.exitCode !== null) throw new Error(`the proxy exited with ${child.exitCode}:\n${output}`);
    if (Date.now() - started > 30_000) {
      child.kill('SIGKILL');
      throw new Error(`the proxy did not start within 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    ...(webhookPort ? { webhookUrl: `http://127.0.0.1:${webhookPort}/` } : {}),
    child,
    output: () => output,
    stop(signal = 'SIGINT') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs `chatapi-contract <args>` to its end. */
export function runContract(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  ensureBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A test's own service (an upstream or a receiver) listening on a free loopback port: its base URL. */
export async function listening(server: Server): Promise<string> {
  await listen(server, '127.0.0.1', 0);
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}
