// One throughput measurement with autocannon: a short warm-up (JIT, lazily compiled validators),
// then a fixed-length run with 50 connections; the server's peak RSS is read right after.
import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export interface LoadOptions {
  url: string;
  body: unknown;
  connections?: number;
  seconds?: number;
  warmupSeconds?: number;
}

function run(url: string, body: string, connections: number, seconds: number): Promise<autocannon.Result> {
  return autocannon({
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
  if ((options.warmupSeconds ?? 2) > 0) await run(options.url, body, connections, options.warmupSeconds ?? 2);
  const result = await run(options.url, body, connections, options.seconds ?? 8);
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
