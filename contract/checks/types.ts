// What a check is and what it may use while it runs.
import type { OpenApiDocument } from '../../description/bundle.js';
import type { SchemaValidator } from '../../description/schemas.js';
import type { CheckSelection, CheckViolation, Expectation, ViolationCode } from '../conformance.js';
import type { OperationSpec } from '../../description/operations.js';
import type { Exchange } from '../http.js';
import type { RequestBuilder, RequestIds, RequestInput } from '../request-builder.js';
import type { WebhookReceiver } from '../webhook-receiver.js';

export type CheckKind = 'operation' | 'negative' | 'behaviour' | 'webhook' | 'coverage' | 'fuzz' | 'stateful' | 'unsupported_method' | 'exercised';

/** The phases of a run, in the order they run; each can be turned off with --phases. */
export const PHASES = ['examples', 'coverage', 'fuzz', 'stateful'] as const;
export type Phase = (typeof PHASES)[number];

/**
 * `not run`: the run's options kept it from running (no webhook receiver, --read-only);
 * `not applicable`: the target cannot show it (--stateless: a mock keeps no state).
 */
export type CheckStatus = 'passed' | 'failed' | 'not run' | 'not applicable';

export interface Check {
  /** Stable and unique, e.g. `getHistory/examples`. */
  id: string;
  /** What the output shows, e.g. `getHistory: examples`. */
  name: string;
  kind: CheckKind;
  /** The operations the check calls: under --read-only it runs only if all of them are read-only. */
  operations: string[];
  /** Needs a target that keeps state (behaviour, unknown token): not applicable under --stateless. */
  stateful?: boolean;
  /** Needs the webhook receiver (--webhook-port): not run without it. */
  webhook?: boolean;
  /** The phase the check belongs to; the `exercised` checks belong to none and always run. */
  phase?: Phase;
  /** `final` checks run after every phase (they judge what the others left); `last` after those. */
  stage?: 'main' | 'final' | 'last';
  run(ctx: CheckContext): Promise<void | Skip>;
}

/** A check may decide it does not apply after all (coverage of an operation --read-only never calls). */
export interface Skip {
  status: 'not run' | 'not applicable';
  reason: string;
}

export interface CheckResult {
  id: string;
  name: string;
  kind: CheckKind;
  status: CheckStatus;
  reason?: string;
  durationMs: number;
  /** Operations this check got a response from (or, for the webhook, a payload). */
  exercised: string[];
  requests: number;
  violations: CheckViolation[];
  /** The check itself broke (a bug or a cut-short run): the run is not complete. */
  error?: string;
  /** What a passing check found worth saying (e.g. which checks covered an operation). */
  note?: string;
}

export interface RunSettings {
  baseUrl: string;
  token: string;
  runId: string;
  readOnly: boolean;
  stateless: boolean;
  timeoutMs: number;
  /** The phases this run goes through. */
  phases: readonly Phase[];
  /** The judges and scenario checks that are on. */
  selection: CheckSelection;
  /** The fuzz phase's seed: printed at the start, `--seed` replays a run. */
  seed: number;
  /** Generated requests per operation and polarity in the fuzz phase. */
  maxExamples: number;
  /** The response-time limit of `max_response_time`; off when undefined. */
  maxResponseTimeMs?: number;
}

export interface CallOptions {
  /** Send with this token instead of the run's (unknown-token checks). */
  token?: string;
  rawBody?: string;
  contentType?: string;
  timeoutMs?: number;
  /** Send to this path instead of the operation's filled template (malformed segments). */
  rawPath?: string;
  rawQuery?: string;
  headers?: Record<string, string>;
  /** Send with this method instead of the operation's (unsupported methods). */
  method?: string;
  /** What the request tries (a coverage case), shown with its violations. */
  label?: string;
}

export interface CheckContext {
  readonly settings: RunSettings;
  readonly document: OpenApiDocument;
  readonly validator: SchemaValidator;
  readonly builder: RequestBuilder;
  readonly signal: AbortSignal;
  readonly webhook?: WebhookReceiver;
  /** Results of the checks that finished so far (for `final` and `coverage` checks). */
  readonly results: readonly CheckResult[];
  /** questionIds the target returned from async sends during this run. */
  readonly asyncQuestionIds: Set<string>;

  operation(operationId: string): OperationSpec;
  operations(): OperationSpec[];
  /** A new clientId of this run: `contract-<runId>-<n>`. */
  newClient(): string;
  ids(clientId: string, questionIds?: string[]): RequestIds;
  /** Sends a request to an operation and records every way the exchange breaks the contract. */
  call(operationId: string, input: RequestInput, expect: Expectation, options?: CallOptions): Promise<Exchange>;
  /** The JSON body of a conformant exchange; stops the check if the exchange had a violation. */
  json<T>(exchange: Exchange): T;
  /** Records a violation unless `condition` holds (code: the check's kind, `behaviour` or `webhook`); returns `condition`. */
  expect(condition: boolean, message: string, exchange?: Exchange, pointer?: string, code?: ViolationCode): boolean;
  /** Sends a request and judges it without recording anything: for the fuzz phase's shrinking. */
  probe(operationId: string, input: RequestInput, expect: Expectation, options?: CallOptions): Promise<{ exchange: Exchange; violations: CheckViolation[] }>;
  violation(violation: CheckViolation): void;
  /** Counts an operation as exercised (the webhook, by a payload received). */
  exercised(operationId: string): void;
  /** Ends the check now (its violations stand). */
  stop(): never;
  /** A remark shown with the result. */
  note(text: string): void;
}
