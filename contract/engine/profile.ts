// What the engine must be told about an API that its description cannot say: where the credential
// goes, which ids a run must own, which ids must name things that exist (and how to make them),
// and the API's own scenario checks and verdicts. The engine knows HTTP and OpenAPI; everything
// about the Chat API comes in through one of these (contract/chatapi/profile.ts).
import type { OperationSpec, ParameterSpec } from '../../description/operations.js';
import type { Check, CheckContext, Verdict } from './check.js';
import type { Exchange } from './exchange.js';

export interface WebhookProblem {
  message: string;
  /** The request that should have caused a delivery, and its answer. */
  exchange?: Exchange;
}
import type { Bindings } from './requests/ids.js';

/** Things a request must name that have to exist first (messages, orders…), and how a run makes them. */
export interface Resource {
  /** The operations `make` calls (under --read-only the engine does not make resources that write). */
  calls: readonly string[];
  /** Makes a few of them for the bound owner ids; returns their ids. */
  make(ctx: CheckContext, bindings: Bindings): Promise<string[]>;
}

export interface ApiProfile {
  name: string;
  /** The parameter that carries the credential (`--token`): filled on every request, masked in every output. */
  credential: { in: ParameterSpec['in']; name: string };
  /** Names (parameters and body members) of ids a run must own: it only ever sends ids it made. */
  ownedIds: readonly string[];
  /** Names of ids that must name existing things, by name. */
  resources: Readonly<Record<string, Resource>>;
  /** The API's scenario suites, chosen by name with --checks like the judges. */
  scenarios: readonly string[];
  checks(operations: readonly OperationSpec[]): Check[];
  verdicts(operations: readonly OperationSpec[]): Verdict[];
  /**
   * Before any check: why the run cannot be made against this target (the credential refused, the
   * target looks stateless when it was not said to be), or undefined.
   */
  preflight?(ctx: CheckContext): Promise<string | undefined>;
  /**
   * With a webhook receiver, before any check: why no webhook can be verified (the target posts
   * none, or none that can be told apart), with the exchange that should have caused one; or
   * undefined. The webhook checks then fail at once with it.
   */
  webhookProbe?(ctx: CheckContext): Promise<WebhookProblem | undefined>;
  /** Sees every exchange of the run (e.g. to remember what a later verdict must find delivered). */
  onExchange?(operationId: string, exchange: Exchange): void;
  /** What judging traffic the engine did not make (a proxy's, a HAR's) needs to know of the API. */
  traffic?: TrafficHooks;
}

/** How deliveries follow requests, and what is worth counting, in recorded or proxied traffic. */
export interface TrafficHooks {
  /** Ids of the deliveries an exchange promises (an async send's reply), which must arrive once. */
  promisedDeliveries(operationId: string, exchange: Exchange): string[];
  /** The ids a delivery's payload carries. */
  deliveredIds(payload: unknown): string[];
  /** Coverage labels of an answer or a delivery (`reply type buttons`, `webhook reason: async reply`…). */
  coverage(operationId: string, body: unknown, context: { kind: 'path' | 'webhook'; promised: boolean }): string[];
}
