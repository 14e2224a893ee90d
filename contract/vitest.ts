// `chatapi-contract/vitest`: the contract suite inside a consumer's own vitest run. Every check of
// the engine becomes a test (a `describe` per operation, an `it` per check); the failure message is
// the check's report with its violations, as `chatapi-contract` prints it.
//
// The whole suite runs once, on the first test that needs it, in the engine's order and phases
// (final and coverage checks judge the others), and each test waits for its own check's result.
// What this file uses of the engine is gathered in `engine` below, so that it is one place to adapt.
import { afterAll, describe, it } from 'vitest';
import { Description } from '../description/index.js';
import { DEFAULT_MAX_EXAMPLES, DEFAULT_RATE, DEFAULT_TIMEOUT_MS } from './args.js';
import { buildChecks } from './checks/index.js';
import { PHASES, type Check, type CheckResult, type Phase } from './checks/types.js';
import type { OperationSpec } from '../description/operations.js';
import { formatResult } from './reporters/console.js';
import { runChecks, type RunOutcome } from './runner.js';
import { ClientIds, newRunId, tokenMasker } from './safety.js';
import { runController, runHttpClient, runnerOptions, type RunOptions } from './session.js';
import { WebhookReceiver } from './webhook-receiver.js';

export interface ContractTestOptions {
  /** The deployment under test, e.g. `http://127.0.0.1:3000` or `https://bot.jaicp.com`. */
  baseUrl: string;
  /** Its channel token. */
  token: string;
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

/** The engine's pieces this integration uses. */
const engine = {
  /** Every check of the suite, from the bundled description (synchronous: tests are registered at collection). */
  checks(): { checks: Check[]; operations: OperationSpec[] } {
    const { operations } = Description.load();
    return { checks: buildChecks(operations), operations };
  },

  /** Runs the suite as `chatapi-contract` does (cli.ts), reporting each result as it comes. */
  async run(checks: Check[], operations: OperationSpec[], options: ContractTestOptions, onResult: (result: CheckResult) => void): Promise<RunOutcome> {
    const description = Description.load();
    const validator = description.schemas;
    const runId = newRunId();
    const clientIds = new ClientIds(runId);
    const mask = tokenMasker(options.token);
    const controller = runController();
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const runOptions: RunOptions = {
      baseUrl: options.baseUrl,
      token: options.token,
      readOnly: options.readOnly ?? false,
      stateless: options.stateless ?? false,
      ratePerSecond: options.ratePerSecond ?? DEFAULT_RATE,
      timeoutMs,
      phases: options.phases ?? [...PHASES],
      checks: options.checks,
      excludeChecks: options.excludeChecks,
      seed: options.seed ?? DEFAULT_SEED,
      maxExamples: options.maxExamples ?? DEFAULT_MAX_EXAMPLES,
      maxResponseTimeMs: options.maxResponseTimeMs,
    };
    const http = runHttpClient(runOptions, clientIds, mask, controller.signal);
    let receiver: WebhookReceiver | undefined;
    const webhookOp = operations.find((op) => op.kind === 'webhook');
    if (options.webhookPort !== undefined && webhookOp?.requestBody) {
      receiver = await WebhookReceiver.start({ port: options.webhookPort, validator, schemaPointer: webhookOp.requestBody.schemaPointer, mask });
      await options.onWebhookReceiver?.(options.webhookUrl ?? receiver.url);
    }
    try {
      return await runChecks(checks, runnerOptions(description, runOptions, { runId, clientIds, http, controller, webhook: receiver, concurrency: options.concurrency ?? 4, onResult }));
    } finally {
      await receiver?.close();
    }
  },
};

/** The `describe` a check belongs to: its operation, or the kind of check that spans several. */
function groupOf(check: Check, operationIds: Set<string>): string {
  const [head, rest] = check.id.split('/', 2);
  if (head !== undefined && operationIds.has(head)) return head;
  if (head === 'exercised' && rest !== undefined && operationIds.has(rest)) return rest;
  return head ?? check.kind;
}

/**
 * Registers the contract suite as vitest tests. Call it at the top level of a test file (or in a
 * `describe`). `options` may be a function, called when the first test runs: for a target that
 * starts in a `beforeAll`, such as `startStub()`.
 */
export function contractTests(options: ContractTestOptions | (() => ContractTestOptions | Promise<ContractTestOptions>), config: ContractTestsConfig = {}): void {
  const { checks, operations } = engine.checks();
  const operationIds = new Set(operations.map((op) => op.operationId));
  const waiting = new Map<string, { promise: Promise<CheckResult>; resolve: (r: CheckResult) => void; reject: (e: Error) => void }>();
  for (const check of checks) {
    let resolve!: (r: CheckResult) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<CheckResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined); // a test that never ran must not leave an unhandled rejection
    waiting.set(check.id, { promise, resolve, reject });
  }

  let run: Promise<void> | undefined;
  const start = () =>
    (run ??= (async () => {
      const resolved = typeof options === 'function' ? await options() : options;
      const outcome = await engine.run(checks, operations, resolved, (result) => waiting.get(result.id)?.resolve(result));
      // Checks the run never reached (it was cut short) fail with the reason.
      const reason = outcome.incomplete ?? 'the run ended without this check';
      for (const entry of waiting.values()) entry.reject(new Error(`the contract run did not complete: ${reason}`));
    })().catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      for (const entry of waiting.values()) entry.reject(new Error(`the contract run could not be made: ${message}`));
    }));

  const groups = new Map<string, Check[]>();
  for (const check of checks) {
    const group = groupOf(check, operationIds);
    groups.set(group, [...(groups.get(group) ?? []), check]);
  }
  const timeout = config.testTimeoutMs ?? 180_000;

  describe(config.name ?? 'Chat API contract', () => {
    afterAll(async () => {
      // Wait for a run in progress, so that its requests and its receiver end with the file.
      await run;
    }, timeout);
    for (const [group, members] of groups) {
      describe(group, () => {
        for (const check of members) {
          it(
            check.name,
            async (context) => {
              void start();
              const result = await waiting.get(check.id)!.promise;
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
