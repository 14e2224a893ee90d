// Spawns a server process for a measurement, waits until it gives its first successful answer,
// and reads its peak resident memory from /proc (VmHWM) before stopping it. Each server runs in a
// process group of its own (test/helpers/process-group.ts), stopped as a whole, and every group
// still running when the bench exits (an error, Ctrl-C) is killed then.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { spawnGroup } from '../../test/helpers/process-group.js';

// Ctrl-C or a kill ends the bench through process.exit, whose 'exit' hook stops the servers
// (started in groups of their own, they do not get the terminal's SIGINT themselves).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`bench: ${signal}, stopping what it started`);
    process.exit(130);
  });
}

/**
 * Runs a bench's main and exits, also on success: the process-group hook stops anything still
 * running, and nothing left open (a socket, a timer) keeps the bench from ending.
 */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Milliseconds from spawn to the first 2xx of the readiness probe. */
  startupMs: number;
  peakRssMiB(): number;
  currentRssMiB(): number;
  /** CPU seconds (user + system) the process has used so far. */
  cpuSeconds(): number;
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

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux this runs on, read once). */
let ticksPerSecond: number | undefined;
function userHz(): number {
  if (ticksPerSecond === undefined) {
    const read = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    ticksPerSecond = Number.isFinite(read) && read > 0 ? read : 100;
  }
  return ticksPerSecond;
}

function cpuSecondsOf(pid: number): number {
  try {
    // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / userHz();
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
  const server = spawnGroup(command, args, { env });
  const { child } = server;
  const init: RequestInit = {
    method: probe.method,
    headers: probe.body === undefined ? {} : { 'content-type': 'application/json' },
    body: probe.body === undefined ? undefined : JSON.stringify(probe.body),
  };
  // Poll tightly: start-up time is one of the figures.
  for (;;) {
    if (child.exitCode !== null) {
      await server.stop();
      throw new Error(`${command} exited with ${child.exitCode}:\n${server.output()}`);
    }
    if (performance.now() - started > timeoutMs) {
      await server.stop();
      throw new Error(`${command} gave no 2xx within ${timeoutMs} ms:\n${server.output()}`);
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
    cpuSeconds: () => cpuSecondsOf(pid),
    stop: () => server.stop(),
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
