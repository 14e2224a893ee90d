// Throughput of several servers under the same load, side by side: the servers run together, and
// the load visits them in turn, round after round (2 s warm-up, then ROUNDS × ROUND_SECONDS each), so
// that a slow spell of this noisy machine hits every server alike instead of one; the figures are
// medians over the rounds (ratios: paired by round, `pairedRatio`), and each server's peak RSS is read
// at the end.
import { measureLoad, overRounds, type LoadResult } from './load.js';
import type { ServerProcess } from './processes.js';

export interface ThroughputRow extends LoadResult {
  name: string;
  peakRssMiB: number;
  /** Each round's result, in order (for ratios paired by round: `pairedRatio`). */
  rounds: LoadResult[];
}

/** Rounds and their length: many short rounds pair the servers closer in time than a few long ones. */
export const ROUNDS = 7;
export const ROUND_SECONDS = 2;

/** `rssMiB`: how to read a server's memory (default: its process's peak RSS). */
export async function throughput(path: string, body: unknown, servers: { name: string; start: () => Promise<ServerProcess>; rssMiB?: (server: ServerProcess) => number }[]): Promise<ThroughputRow[]> {
  const running: ServerProcess[] = [];
  try {
    for (const server of servers) running.push(await server.start());
    const rounds: LoadResult[][] = running.map(() => []);
    for (const server of running) await measureLoad({ url: server.url + path, body, warmupSeconds: 0, seconds: 2 });
    for (let round = 0; round < ROUNDS; round++) {
      for (const [index, server] of running.entries()) {
        rounds[index]!.push(await measureLoad({ url: server.url + path, body, warmupSeconds: 0, seconds: ROUND_SECONDS }));
      }
    }
    return running.map((server, index) => {
      return {
        name: servers[index]!.name,
        ...overRounds(rounds[index]!),
        rounds: rounds[index]!,
        peakRssMiB: servers[index]!.rssMiB?.(server) ?? server.peakRssMiB(),
      };
    });
  } finally {
    await Promise.all(running.map((server) => server.stop()));
  }
}

