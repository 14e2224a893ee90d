// Types of the client's public surface, derived from the generated description types so that a
// change of the description shows up here at compile time instead of drifting silently.
import type { components, operations } from '../generated/chatapi.js';

export type Schemas = components['schemas'];
export type ChatRequest = Schemas['ChatRequest'];
export type ChatResponse = Schemas['ChatResponse'];
export type ChatEvent = Schemas['ChatEvent'];
export type ChatState = Schemas['ChatState'];
export type Reply = Schemas['Reply'];
export type MessageStatus = Schemas['MessageStatus'];
export type MessageStatusInfo = Schemas['MessageStatusInfo'];
export type WebhookPayload = Schemas['WebhookPayload'];
/** The description's error body (400, 401, 404, 413, 415). */
export type ApiError = Schemas['Error'];

/** The operations a Chat API client calls (the webhook's operation is served, not called). */
export type OperationId = Exclude<keyof operations, 'receiveChatApiMessage'>;

type Responses<Op extends OperationId> = operations[Op]['responses'];
type JsonBody<R> = R extends { content: { 'application/json': infer T } } ? T : undefined;
type SuccessStatus<Op extends OperationId> = Extract<keyof Responses<Op>, 200 | 201 | 202 | 204>;
type ErrorStatus<Op extends OperationId> = Exclude<keyof Responses<Op>, SuccessStatus<Op>>;

/**
 * A failure with no HTTP response: the connection failed, the call timed out or was aborted, or a
 * 2xx body was not JSON. These are the client library's own codes, under `client.`: they cannot be
 * taken for the API's, which are all under `chatapi.` (`chatapi.client.not_found` is an unknown chat
 * client of the channel).
 */
export type ClientErrorCode =
  | 'client.network'
  | 'client.timeout'
  | 'client.aborted'
  | 'client.invalid_response';

export interface ClientError {
  error: ClientErrorCode;
  message: string;
  /** The underlying exception, for logs. */
  cause?: unknown;
}

export type ApiSuccess<Op extends OperationId> = {
  [S in SuccessStatus<Op>]: { ok: true; status: S; data: JsonBody<Responses<Op>[S]>; response: Response };
}[SuccessStatus<Op>];

/** An error status the description documents for this operation, with its documented body. */
export type ApiDocumentedFailure<Op extends OperationId> = {
  [S in ErrorStatus<Op>]: { ok: false; status: S; error: JsonBody<Responses<Op>[S]>; response: Response };
}[ErrorStatus<Op>];

/**
 * Any other HTTP status (a 5xx, or a proxy's 404 for a wrong base URL). When the body is not an
 * Error-shaped JSON object, `error` is made up as `client.unexpected_status`.
 */
export interface ApiUndocumentedFailure {
  ok: false;
  status: number;
  error: ApiError;
  response: Response;
  undocumented: true;
}

/** No HTTP response: `status` is 0 (as in fetch's network errors). */
export interface ApiClientFailure {
  ok: false;
  status: 0;
  error: ClientError;
  response: undefined;
}

/** The outcome of every client method: never thrown, narrowed by `ok` and then by `status`. */
export type ApiResult<Op extends OperationId> =
  | ApiSuccess<Op>
  | ApiDocumentedFailure<Op>
  | ApiUndocumentedFailure
  | ApiClientFailure;

export type ApiData<Op extends OperationId> = ApiSuccess<Op>['data'];

/** True when the call got no HTTP response (network failure, timeout, abort, unreadable body). */
export function isClientFailure(result: { ok: boolean; response?: Response | undefined }): result is ApiClientFailure {
  return !result.ok && result.response === undefined;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts this call; the result is then a `client.aborted` failure. */
  signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number;
}

type PathOf<Op extends OperationId> = operations[Op]['parameters']['path'];
/** Path parameters except `token`, which the client fills in. */
export type PathParams<Op extends OperationId> = Omit<PathOf<Op>, 'token'>;
export type QueryParams<Op extends OperationId> = NonNullable<operations[Op]['parameters']['query']>;
export type RequestBody<Op extends OperationId> = operations[Op] extends {
  requestBody: { content: { 'application/json': infer B } };
}
  ? B
  : never;

/** The simplified GET send takes exactly one of `query` and `event` (the description says so in prose). */
export type SimpleSendParams = Omit<QueryParams<'sendMessageSimple'>, 'query' | 'event'> &
  ({ query: string; event?: never } | { event: string; query?: never });

export type HistoryParams = PathParams<'getHistory'> & QueryParams<'getHistory'>;
export type EventsParams = QueryParams<'getEvents'>;
