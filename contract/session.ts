// What one contract run is made of, for the command (cli.ts) and for `contractTests()` (vitest.ts)
// alike: the HTTP client with its rate limit and own-client guard, and the run's settings.
import { setMaxListeners } from 'node:events';
import type { CliOptions } from './args.js';
import type { Description } from '../description/index.js';
import type { CheckResult, RunSettings } from './checks/types.js';
import { CheckSelection } from './conformance.js';
import { HttpClient } from './http.js';
import { TokenBucket } from './rate-limiter.js';
import { RequestBuilder } from './request-builder.js';
import type { RunnerOptions } from './runner.js';
import { assertOwnClients, type ClientIds } from './safety.js';

/** The options a run needs; the rest of the command line is about output. */
export type RunOptions = Omit<CliOptions, 'junit' | 'json' | 'webhookPort' | 'webhookUrl'>;

/**
 * The controller that cuts the whole run short. Every request in flight listens to its signal (the
 * coverage and fuzz phases hold up to 32 per check, 4 checks at once): more than Node's default 10.
 */
export function runController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(1024, controller.signal);
  return controller;
}

export function runHttpClient(options: RunOptions, clientIds: ClientIds, mask: (text: string) => string, signal: AbortSignal): HttpClient {
  return new HttpClient({
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    // At most 20 ms worth of requests at once: none at the default 20/s, and at --rate 1000 the
    // timers' millisecond granularity does not cut the rate to a fraction of what was asked.
    limiter: new TokenBucket(options.ratePerSecond, Math.max(1, Math.floor(options.ratePerSecond / 50))),
    mask,
    signal,
    guard: (spec) => assertOwnClients(clientIds, spec.path, spec.query ?? {}, spec.body, spec.rawQuery),
  });
}

export function runSettings(options: RunOptions, runId: string): RunSettings {
  return {
    baseUrl: options.baseUrl,
    token: options.token,
    runId,
    readOnly: options.readOnly,
    stateless: options.stateless,
    timeoutMs: options.timeoutMs,
    phases: options.phases,
    selection: new CheckSelection({ only: options.checks, exclude: options.excludeChecks }),
    seed: options.seed,
    maxExamples: options.maxExamples,
    maxResponseTimeMs: options.maxResponseTimeMs,
  };
}

/** Whether anything answers HTTP at the base URL (any status will do). */
export async function reachable(baseUrl: string, timeoutMs: number): Promise<boolean> {
  try {
    await fetch(`${baseUrl}/`, { signal: AbortSignal.timeout(Math.min(timeoutMs, 5000)), redirect: 'manual' }).then((r) => r.body?.cancel());
    return true;
  } catch {
    return false;
  }
}

/** Everything `runChecks` is given, from the parts of one run. */
export function runnerOptions(
  description: Description,
  options: RunOptions,
  run: { runId: string; clientIds: ClientIds; http: HttpClient; controller: AbortController; webhook?: RunnerOptions['webhook']; concurrency: number; onResult?: (result: CheckResult) => void },
): RunnerOptions {
  const { document, schemas: validator, operations } = description;
  return {
    settings: runSettings(options, run.runId),
    document,
    validator,
    builder: new RequestBuilder(document, validator),
    http: run.http,
    operations,
    clientIds: run.clientIds,
    webhook: run.webhook,
    concurrency: run.concurrency,
    controller: run.controller,
    reachable: () => reachable(options.baseUrl, options.timeoutMs),
    onResult: run.onResult,
  };
}
