// One throughput measurement with autocannon: a short warm-up (JIT, lazily compiled validators),
// then a fixed-length run with 50 connections; the server's peak RSS is read right after.
import autocannon from 'autocannon';
import { median } from './processes.js';

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** Requests answered in the measured run. */
  total: number;
}

export interface LoadOptions {
  url: string;
  body: unknown;
  connections?: number;
  seconds?: number;
  warmupSeconds?: number;
  /** A fixed rate (requests per second over all connections) instead of as fast as the server goes. */
  overallRate?: number;
}

function run(url: string, body: string, connections: number, seconds: number, overallRate?: number): Promise<autocannon.Result> {
  return autocannon({
    ...(overallRate ? { overallRate } : {}),
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration: seconds,
  });
}

export async function measureLoad(options: LoadOptions): Promise<LoadResult> {
  const body = JSON.stringify(options.body);
  const connections = options.connections ?? 50;
  if ((options.warmupSeconds ?? 2) > 0) await run(options.url, body, connections, options.warmupSeconds ?? 2, options.overallRate);
  const result = await run(options.url, body, connections, options.seconds ?? 8, options.overallRate);
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    total: result.requests.total,
  };
}

/** Rounds of one target as one row: medians of the rates and latencies, sums of the counts. */
export function overRounds(results: readonly LoadResult[]): LoadResult {
  const pick = (key: 'requestsPerSecond' | 'p50' | 'p99') => median(results.map((r) => r[key]));
  const sum = (key: 'non2xx' | 'errors' | 'total') => results.reduce((total, r) => total + r[key], 0);
  return { requestsPerSecond: pick('requestsPerSecond'), p50: pick('p50'), p99: pick('p99'), non2xx: sum('non2xx'), errors: sum('errors'), total: sum('total') };
}

/**
 * How fast `a` went next to `b`: the median, over rounds, of the ratio of their rates in the same
 * round. The servers of a round run seconds apart, so a slow spell of this noisy machine (which
 * comes and goes over minutes) hits both and cancels out of the round's ratio; a ratio of two
 * medians taken over all rounds would not cancel it.
 */
export function pairedRatio(a: readonly LoadResult[], b: readonly LoadResult[]): number {
  if (a.length !== b.length || a.length === 0) throw new Error('pairedRatio: both need the same rounds');
  return median(a.map((round, index) => round.requestsPerSecond / b[index]!.requestsPerSecond));
}
