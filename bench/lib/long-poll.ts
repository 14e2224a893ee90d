// 2,000 clients each hold a long poll on /events; then an operator reply is injected for each
// (through the stub's control API) and we time, per waiter, publish -> answer.
import http from 'node:http';
import { percentile } from './processes.js';

export interface LongPollResult {
  waiters: number;
  rssWhileWaitingMiB: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  answered: number;
  /** Waiters whose request failed (the first failure's message is in `firstError`). */
  failed: number;
  firstError?: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function request(url: string, method: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

export async function measureLongPoll(options: {
  baseUrl: string;
  token: string;
  waiters: number;
  rssMiB: () => number;
  /** Where waiter i polls and where its operator reply is injected (default: baseUrl for both): two stubs sharing a store. */
  pollBase?: (i: number) => string;
  injectBase?: (i: number) => string;
  /** How long the polls get to reach the server and park. */
  settleMs?: number;
  /** Resolves once every poll is parked (instead of waiting settleMs). */
  parked?: () => Promise<void>;
}): Promise<LongPollResult> {
  const { baseUrl, token, waiters } = options;
  const pollBase = options.pollBase ?? (() => baseUrl);
  const injectBase = options.injectBase ?? (() => baseUrl);
  const answeredAt = new Array<number>(waiters).fill(NaN);
  const publishedAt = new Array<number>(waiters).fill(NaN);
  const errors: string[] = [];
  // Each failure is counted (not thrown): one waiter failing while the others are still being
  // injected must not end the run with an unhandled rejection.
  const polls = Array.from({ length: waiters }, (_, i) =>
    request(`${pollBase(i)}/chatapi/${token}/events?clientId=lp-${i}`, 'GET')
      .then((r) => {
        if (r.status !== 200 || !r.text.includes('operatorResponse')) throw new Error(`waiter ${i}: ${r.status} ${r.text.slice(0, 200)}`);
        answeredAt[i] = performance.now();
      })
      .catch((error: unknown) => {
        errors.push(`waiter ${i}: ${(error as Error).message}`);
      }),
  );
  // Let every poll reach the server and park.
  await (options.parked?.() ?? new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 1500)));
  const rssWhileWaitingMiB = options.rssMiB();

  for (let i = 0; i < waiters; i++) {
    publishedAt[i] = performance.now();
    const injected = await request(`${injectBase(i)}/_stub/channels/${token}/clients/lp-${i}/operator-replies`, 'POST', { text: `hello ${i}` });
    if (injected.status !== 200) throw new Error(`inject ${i}: ${injected.status} ${injected.text}`);
  }
  await Promise.all(polls);
  const delays = answeredAt.map((t, i) => t - publishedAt[i]!);
  return {
    waiters,
    rssWhileWaitingMiB,
    p50Ms: percentile(delays, 50),
    p99Ms: percentile(delays, 99),
    maxMs: percentile(delays, 100),
    answered: delays.filter(Number.isFinite).length,
    failed: errors.length,
    firstError: errors[0],
  };
}
