// The outcome of a run as one value: what the console summary and every report file show.
import type { CheckResult, CheckStatus } from './check.js';
import type { RunOptions } from './options.js';

export interface Summary {
  total: number;
  passed: number;
  failed: number;
  notRun: number;
  notApplicable: number;
}

/** What the run was, before it ran: the console's header and every report's. */
export interface RunHeader {
  tool: { name: string; version: string };
  description: { title: string; version: string };
  /** The base URL checked. */
  target: string;
  runId: string;
  /** Every id the run owns (the Chat API: clientIds) starts with this. */
  idPrefix: string;
  options: Omit<RunOptions, 'baseUrl' | 'token' | 'webhookPort' | 'checks' | 'excludeChecks' | 'concurrency'> & {
    /** The judges and scenario suites that were on. */
    checks: string[];
    webhookReceiver?: string;
    webhookUrl?: string;
  };
}

export interface RunReport extends RunHeader {
  startedAt: string;
  durationMs: number;
  /** False when the run was cut short or a check could not complete: the exit code is then 2. */
  complete: boolean;
  incomplete?: string;
  exitCode: 0 | 1 | 2;
  summary: Summary;
  /** What the run said along the way (a webhook probe that saw nothing, say). */
  notices: string[];
  /** What is worth a look but breaks nothing (an operation that never got a 2xx: missing test data?). */
  warnings: string[];
  checks: CheckResult[];
}

export function summarize(results: readonly CheckResult[]): Summary {
  const count = (status: CheckStatus) => results.filter((r) => r.status === status).length;
  return { total: results.length, passed: count('passed'), failed: count('failed'), notRun: count('not run'), notApplicable: count('not applicable') };
}

/** 2 when the run did not complete (never 0 for an unfinished run), else 1 if a check failed, else 0. */
export function exitCodeOf(complete: boolean, summary: Summary): 0 | 1 | 2 {
  if (!complete) return 2;
  return summary.failed > 0 ? 1 : 0;
}
