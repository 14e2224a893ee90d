// `chatapi-contract/vitest`: the contract suite inside a consumer's own vitest run. It is the same
// run as the command's (ContractRun: options, receiver, preflight, probe, phases); every check
// becomes a test (a `describe` per operation, an `it` per check) whose failure message is the
// check's report, as `chatapi-contract` prints it. A first test says whether the run could be
// made at all (bad options, target unreachable, token refused): when not, it fails with the reason
// in one message and every check's test is skipped with it, instead of failing 100 times over.
import { afterAll, describe, it } from 'vitest';
import { chatApiProfile } from './chatapi/profile.js';
import type { Check, CheckResult, Verdict } from './engine/check.js';
import { OptionsError, type ContractRunInput } from './engine/options.js';
import type { Phase } from './engine/phases.js';
import { formatResult } from './engine/reporters/console.js';
import type { RunReport } from './engine/report.js';
import { ContractRun } from './engine/run.js';

export interface ContractTestOptions {
  /** The deployment under test, e.g. `http://127.0.0.1:3000` or `https://bot.jaicp.com`. */
  baseUrl: string;
  /** Its channel token (CHATAPI_CONTRACT_TOKEN is read when it is undefined). */
  token: string | undefined;
  /** Listen for webhooks on this port (0: any free port) and run the webhook checks. */
  webhookPort?: number;
  /** The address the target posts webhooks to, when it is not the receiver's own (a tunnel, a proxy). */
  webhookUrl?: string;
  /** Called with the receiver's URL once it listens: point the target's webhook at it here. */
  onWebhookReceiver?: (url: string) => void | Promise<void>;
  /** Only operations that change nothing (`--read-only`). */
  readOnly?: boolean;
  /** The target keeps no state, e.g. a mock (`--stateless`). */
  stateless?: boolean;
  /** At most this many requests per second (default as `chatapi-contract`: 20). */
  ratePerSecond?: number;
  /** Per request and per webhook wait (default 30 s: longer than a long poll is held). */
  timeoutMs?: number;
  /** How many checks run at once (default 4). */
  concurrency?: number;
  /** The phases to run (default: all, as `chatapi-contract`). */
  phases?: Phase[];
  /** Only these checks, or every check but `excludeChecks` (names as `--checks`). */
  checks?: string[];
  excludeChecks?: string[];
  /** The fuzz phase's seed (default: a fixed one, so that a test suite repeats). */
  seed?: number;
  /** Generated requests per operation and property in the fuzz phase (default 25). */
  maxExamples?: number;
  /** Turns on max_response_time. */
  maxResponseTimeMs?: number;
}

/** A fixed seed by default: a consumer's test suite should fail or pass the same way every run. */
const DEFAULT_SEED = 1;

export interface ContractTestsConfig {
  /** The name of the enclosing `describe` (default `Chat API contract`). */
  name?: string;
  /** The time each test may wait for its check, the suite's earlier checks included (default 180 s). */
  testTimeoutMs?: number;
}

/** The `describe` a check belongs to: its operation, or the suite of those that span several. */
function groupOf(item: Check | Verdict, operationIds: Set<string>): string {
  const [head, rest] = item.id.split('/', 2);
  if (head !== undefined && operationIds.has(head)) return head;
  if (head === 'exercised' && rest !== undefined && operationIds.has(rest)) return rest;
  return head ?? item.suite;
}

interface Pending {
  promise: Promise<CheckResult>;
  resolve(result: CheckResult): void;
  reject(error: Error): void;
}

function pending(): Pending {
  let resolve!: (r: CheckResult) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<CheckResult>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // a test that never ran must not leave an unhandled rejection
  return { promise, resolve, reject };
}

/**
 * Registers the contract suite as vitest tests. Call it at the top level of a test file (or in a
 * `describe`). `options` may be a function, called when the first test runs: for a target that
 * starts in a `beforeAll`, such as `startStub()`.
 */
export function contractTests(options: ContractTestOptions | (() => ContractTestOptions | Promise<ContractTestOptions>), config: ContractTestsConfig = {}): void {
  const timeout = config.testTimeoutMs ?? 180_000;
  describe(config.name ?? 'Chat API contract', async () => {
    const plan = await ContractRun.plan(chatApiProfile());
    const items = [...plan.checks, ...plan.verdicts];
    const waiting = new Map(items.map((item) => [item.id, pending()]));
    let made: Promise<string | undefined> | undefined;
    let finished: Promise<RunReport | undefined> | undefined;

    /** Starts the run once; resolves when the checks start (undefined) or with why the run cannot be made. */
    const start = () => {
      if (made) return made;
      let ready!: (why: string | undefined) => void;
      made = new Promise((resolve) => (ready = resolve));
      finished = (async () => {
        const given = typeof options === 'function' ? await options() : options;
        const { onWebhookReceiver, ...rest } = given;
        const input: ContractRunInput = { seed: DEFAULT_SEED, ...rest };
        const run = ContractRun.create(plan, input, 'fields');
        const report = await run.execute({
          checksStarting: () => ready(undefined),
          result: (result) => waiting.get(result.id)?.resolve(result),
          ...(onWebhookReceiver ? { webhookReceiver: onWebhookReceiver } : {}),
        });
        if (report.checks.length === 0 && !report.complete) ready(report.incomplete ?? 'the run could not be made');
        // Checks the run never reached (it was cut short) fail with the reason.
        for (const entry of waiting.values()) entry.reject(new Error(`the contract run did not complete: ${report.incomplete ?? 'the run ended without this check'}`));
        return report;
      })().catch((error: unknown) => {
        const message = error instanceof OptionsError ? `contractTests: ${error.message}` : error instanceof Error ? error.message : String(error);
        ready(message);
        for (const entry of waiting.values()) entry.reject(new Error(`the contract run could not be made: ${message}`));
        return undefined;
      });
      return made;
    };

    afterAll(async () => {
      // Wait for a run in progress, so that its requests and its receiver end with the file.
      await finished;
    }, timeout);

    it(
      'the contract run can be made (options, target, token)',
      async () => {
        const why = await start();
        if (why !== undefined) throw new Error(why);
      },
      timeout,
    );

    const operationIds = new Set(plan.operations.map((op) => op.operationId));
    const groups = new Map<string, Array<Check | Verdict>>();
    for (const item of items) {
      const group = groupOf(item, operationIds);
      groups.set(group, [...(groups.get(group) ?? []), item]);
    }
    for (const [group, members] of groups) {
      describe(group, () => {
        for (const item of members) {
          it(
            item.name,
            async (context) => {
              const why = await start();
              if (why !== undefined) return context.skip(`the contract run could not be made: ${why}`);
              const result = await waiting.get(item.id)!.promise;
              if (result.status === 'not run' || result.status === 'not applicable') return context.skip(`${result.status}: ${result.reason ?? ''}`);
              if (result.status === 'failed') throw new Error(formatResult(result));
            },
            timeout,
          );
        }
      });
    }
  });
}
