// Spawns a server process for a measurement, waits until it gives its first successful answer,
// and reads its peak resident memory from /proc (VmHWM) before stopping it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Milliseconds from spawn to the first 2xx of the readiness probe. */
  startupMs: number;
  peakRssMiB(): number;
  currentRssMiB(): number;
  stop(): Promise<void>;
}

export interface Probe {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

function statusField(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    return kib / 1024;
  } catch {
    return NaN;
  }
}

export async function startServer(
  command: string,
  args: string[],
  url: string,
  probe: Probe,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 20_000,
): Promise<ServerProcess> {
  const started = performance.now();
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const init: RequestInit = {
    method: probe.method,
    headers: probe.body === undefined ? {} : { 'content-type': 'application/json' },
    body: probe.body === undefined ? undefined : JSON.stringify(probe.body),
  };
  // Poll tightly: start-up time is one of the figures.
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}:\n${output}`);
    if (performance.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`${command} gave no 2xx within ${timeoutMs} ms:\n${output}`);
    }
    try {
      const response = await fetch(url + probe.path, init);
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const startupMs = performance.now() - started;
  const pid = child.pid ?? -1;
  return {
    url,
    child,
    startupMs,
    peakRssMiB: () => statusField(pid, 'VmHWM'),
    currentRssMiB: () => statusField(pid, 'VmRSS'),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
