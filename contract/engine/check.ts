// What a check is, what it may use while it runs, and what it leaves: the engine's contract with
// everything that plugs into it (its own phases, and an API profile's scenario checks).
import type { OperationSpec } from '../../description/operations.js';
import type { Exchange } from './exchange.js';
import type { Finding, FindingCode } from './findings.js';
import type { CheckSelection, Expectation } from './judges.js';
import type { Phase } from './phases.js';
import type { RequestBuilder } from './requests/builder.js';
import type { CaseContext } from './requests/cases.js';
import type { RequestDraft } from './requests/draft.js';
import type { Bindings } from './requests/ids.js';
import type { Skip, SkipStatus } from './skip.js';
import type { WebhookReceiver } from './webhook-receiver.js';

export type CheckStatus = 'passed' | 'failed' | SkipStatus;

/** What a check needs of the target and the run beyond the operations it calls. */
export interface Needs {
  /** A target that keeps state (not a mock): not applicable under --stateless. */
  state?: boolean;
  /** The webhook receiver (--webhook-port): not run without it. */
  webhooks?: boolean;
}

export interface Check {
  /** Stable and unique, e.g. `getHistory/examples`. */
  id: string;
  /** What the output shows, e.g. `getHistory: requests from the examples`. */
  name: string;
  /** What kind of check it is: the reports group by it, and `--checks` chooses scenario suites by it. */
  suite: string;
  phase: Phase;
  /** The operations it calls: under --read-only it runs only if the description marks all of them read-only. */
  calls: readonly string[];
  /** Operations it is meant to exercise without calling them (a webhook, by a delivery it causes). */
  exercises?: readonly string[];
  needs?: Needs;
  /** The code of a failed `ctx.expect` (default `behaviour`). */
  failureCode?: FindingCode;
  run(ctx: CheckContext): Promise<void | Skip>;
}

/** A judgement over the whole run, made after every phase (every operation exercised, every webhook arrived). */
export interface Verdict {
  id: string;
  name: string;
  suite: string;
  /** The operations whose effects it judges: under --read-only it runs only if they are read-only. */
  calls?: readonly string[];
  exercises?: readonly string[];
  needs?: Needs;
  failureCode?: FindingCode;
  run(ctx: VerdictContext): Promise<void | Skip>;
}

export interface CheckResult {
  id: string;
  name: string;
  suite: string;
  /** The phase the check ran in; undefined for verdicts. */
  phase?: Phase;
  status: CheckStatus;
  /** Why it did not run (a reason the user chose), in words. */
  reason?: string;
  /** Why it did not run, as the enum says. */
  skip?: Skip;
  /** The operations it was meant to reach (those it calls, and those it exercises otherwise). */
  intended: string[];
  durationMs: number;
  /** Operations this check got a response from (or, for a webhook, a delivery). */
  exercised: string[];
  /** Operations this check got a 2xx from. */
  succeeded: string[];
  requests: number;
  findings: Finding[];
  /** The check itself broke (a bug, or a request it refused to send): the run is not complete. */
  error?: string;
  /** What a passing check found worth saying. */
  note?: string;
  /** What it found worth a look that breaks nothing. */
  warnings?: string[];
}

export interface RunSettings {
  runId: string;
  readOnly: boolean;
  stateless: boolean;
  timeoutMs: number;
  phases: readonly Phase[];
  /** The judges and scenario suites that are on. */
  selection: CheckSelection;
  /** The fuzz phase's seed: printed at the start, `--seed` replays a run. */
  seed: number;
  /** Generated requests per operation and property in the fuzz phase. */
  maxExamples: number;
  /** The response-time limit of `max_response_time`; off when undefined. */
  maxResponseTimeMs?: number;
  /** Where the target must post webhooks (`--webhook-url`, or the receiver's own URL); none without a receiver. */
  webhookUrl?: string;
}

export interface CallOptions {
  /** Send with this credential instead of the run's (wrong-credential checks). */
  credential?: string;
  /** Send with this method instead of the operation's (methods the path lacks). */
  method?: string;
  timeoutMs?: number;
}

/** What every context offers: recording findings and remarks. */
export interface Recorder {
  readonly settings: RunSettings;
  readonly signal: AbortSignal;
  /** The receiver of webhook deliveries, when the user asked for one (--webhook-port). */
  readonly webhooks?: WebhookReceiver;
  operation(operationId: string): OperationSpec;
  operations(): readonly OperationSpec[];
  /** Records a finding unless `condition` holds (code: the check's `failureCode`); returns `condition`. */
  expect(condition: boolean, message: string, exchange?: Exchange, pointer?: string, code?: FindingCode): boolean;
  finding(finding: Finding): void;
  /** Counts an operation as exercised (a webhook, by a delivery received). */
  exercised(operationId: string): void;
  /** A remark shown with the result. */
  note(text: string): void;
  /** Something worth a look that breaks nothing (the run's warnings list it). */
  warn(text: string): void;
}

export interface CheckContext extends Recorder {
  readonly requests: RequestBuilder;
  /** A new id of the run (for the names the profile says the run owns). */
  newId(): string;
  /** The run's credential and a new owned id, by name: enough for a request that names no resource. */
  ownBindings(): Bindings;
  /**
   * Bindings for requests to `op`: the run's credential, a new owned id and, when the operation
   * names resources, resources made for it (unless --read-only forbids making them: then
   * `resourcesMade` is false and a documented 404 is an acceptable answer).
   */
  bindingsFor(op: OperationSpec): Promise<{ bindings: Bindings; resourcesMade: boolean }>;
  /** What the coverage and fuzz phases judge their cases with. */
  cases(): CaseContext;
  /** Sends a request to an operation and records every way the exchange breaks the contract. */
  call(operationId: string, request: RequestDraft, expect: Expectation, options?: CallOptions): Promise<Exchange>;
  /** Sends a request and judges it without recording anything: for the fuzz phase's shrinking. */
  probe(operationId: string, request: RequestDraft, expect: Expectation, options?: CallOptions): Promise<{ exchange: Exchange; findings: Finding[] }>;
  /**
   * The JSON body of an exchange, valid against its documented schema (validated here whatever
   * judges are on); stops the check, with a finding, when it is not.
   */
  json<T>(exchange: Exchange): T;
  /** Ends the check now (its findings stand). */
  stop(): never;
}

export interface VerdictContext extends Recorder {
  /** Every check's result, in the order they finished. */
  readonly results: readonly CheckResult[];
}
