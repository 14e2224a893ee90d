// A command run in a process group of its own and stopped as a whole. `npm start`, `npx chatapi-stub`
// and `npm run mock` run the server under npm (and a shell): a signal to the first process alone can
// leave the server running, holding its port. Tests and benches start such commands through this.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Process groups started here and not yet stopped: killed when this process exits, whatever the reason. */
const groups = new Set<number>();
process.once('exit', () => {
  for (const pgid of groups) killGroup(pgid, 'SIGKILL');
});

function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // the group is gone
  }
}

/**
 * Whether a process of the group is still running. On Linux, /proc tells, and a zombie (exited, not
 * yet reaped by whoever inherited it) does not count; elsewhere, whether the group takes a signal.
 */
function groupAlive(pgid: number): boolean {
  if (!existsSync('/proc/self/stat')) return killGroup(pgid, 0 as unknown as NodeJS.Signals);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses: read after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}

export interface GroupProcess {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved as they came. */
  output(): string;
  /** SIGTERM to the whole group; SIGKILL to what is left after `graceMs`. Resolves once every process of the group is gone. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnGroup(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): GroupProcess {
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`${command} could not be started`);
  groups.add(pgid);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return {
    child,
    output: () => output,
    async stop(graceMs = 5_000) {
      killGroup(pgid, 'SIGTERM');
      const deadline = Date.now() + graceMs;
      while (groupAlive(pgid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      killGroup(pgid, 'SIGKILL');
      while (groupAlive(pgid)) await new Promise((resolve) => setTimeout(resolve, 20));
      groups.delete(pgid);
    },
  };
}
