// The typed Chat API client: one method per operation of the description, built on openapi-fetch
// and the generated `paths`, returning ApiResult values instead of throwing.
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../generated/chatapi.js';
import { runCall } from './call.js';
import { documentedErrorStatuses } from './documented-statuses.js';
import { followEvents, type FollowEventsOptions } from './events.js';
import type {
  ApiResult,
  CallOptions,
  ChatEvent,
  ChatRequest,
  ChatState,
  EventsParams,
  HistoryParams,
  MessageStatus,
  MessageStatusInfo,
  OperationId,
  SimpleSendParams,
} from './types.js';

export interface ChatApiClientOptions {
  /** The Chat API host, e.g. `https://bot.jaicp.com` (add `/chatadapter` for legacy hosts). */
  baseUrl: string;
  /** The channel token: the only credential, sent in the path. */
  token: string;
  /** A fetch implementation (default: the global one), e.g. to add logging or for tests. */
  fetch?: (request: Request) => Promise<Response>;
  /** Per-request timeout (default 15 s); for `getEvents` it is added to `longPollMs`. */
  timeoutMs?: number;
  /** How long the server holds an event poll with nothing to report (default 25 s, the stub's value). */
  longPollMs?: number;
}

export interface ChatApiClient {
  /** Send a text query or an event and wait for the bot's reply (POST /chatapi/{token}). */
  sendMessage(body: ChatRequest, options?: CallOptions): Promise<ApiResult<'sendMessage'>>;
  /** The simplified send with query parameters (GET /chatapi/{token}). */
  sendMessageSimple(params: SimpleSendParams, options?: CallOptions): Promise<ApiResult<'sendMessageSimple'>>;
  /** Send without waiting: the answer is the `questionId`; the reply goes to the webhook and events. */
  sendMessageAsync(body: ChatRequest, options?: CallOptions): Promise<ApiResult<'sendMessageAsync'>>;
  /** One long poll for events (GET /chatapi/{token}/events); see `followEvents` for a loop. */
  getEvents(params: EventsParams, options?: CallOptions): Promise<ApiResult<'getEvents'>>;
  getHistory(params: HistoryParams, options?: CallOptions): Promise<ApiResult<'getHistory'>>;
  loadState(params: { clientId: string }, options?: CallOptions): Promise<ApiResult<'loadState'>>;
  saveState(params: { clientId: string; state: ChatState }, options?: CallOptions): Promise<ApiResult<'saveState'>>;
  getMessageStatus(params: { clientId: string; questionId: string }, options?: CallOptions): Promise<ApiResult<'getMessageStatus'>>;
  setMessageStatus(
    params: { clientId: string; questionId: string; status: MessageStatus },
    options?: CallOptions,
  ): Promise<ApiResult<'setMessageStatus'>>;
  setMessageStatuses(
    params: { clientId: string; statuses: MessageStatusInfo[] },
    options?: CallOptions,
  ): Promise<ApiResult<'setMessageStatuses'>>;
  getNotReadCount(params: { clientId: string }, options?: CallOptions): Promise<ApiResult<'getNotReadCount'>>;
  /** Yields the client's events as they come, following `ts`; stop it with `signal`. */
  followEvents(options: FollowEventsOptions): AsyncGenerator<ChatEvent, void, undefined>;
  /** The underlying openapi-fetch client, typed by the description, for anything not covered above. */
  readonly raw: Client<paths>;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_LONG_POLL_MS = 25_000;

export function createChatApiClient(options: ChatApiClientOptions): ChatApiClient {
  const { token } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const longPollMs = options.longPollMs ?? DEFAULT_LONG_POLL_MS;
  // openapi-fetch calls `fetch(request, init)`; wrapping keeps a user's one-argument fetch simple.
  const userFetch = options.fetch;
  const raw = createClient<paths>({
    baseUrl: options.baseUrl,
    ...(userFetch ? { fetch: (request: Request) => userFetch(request) } : {}),
  });

  function call<Op extends OperationId>(
    operationId: Op,
    callOptions: CallOptions | undefined,
    run: (signal: AbortSignal) => Promise<{ data?: unknown; error?: unknown; response: Response }>,
    defaultTimeoutMs = timeoutMs,
  ): Promise<ApiResult<Op>> {
    return runCall<Op>(run, callOptions?.signal, callOptions?.timeoutMs ?? defaultTimeoutMs, documentedErrorStatuses(operationId));
  }

  const client: ChatApiClient = {
    raw,
    sendMessage: (body, o) =>
      call('sendMessage', o, (signal) => raw.POST('/chatapi/{token}', { params: { path: { token } }, body, signal })),
    sendMessageSimple: (query, o) =>
      call('sendMessageSimple', o, (signal) => raw.GET('/chatapi/{token}', { params: { path: { token }, query }, signal })),
    sendMessageAsync: (body, o) =>
      call('sendMessageAsync', o, (signal) => raw.POST('/chatapi/{token}/async', { params: { path: { token } }, body, signal })),
    getEvents: (query, o) =>
      call(
        'getEvents',
        o,
        (signal) => raw.GET('/chatapi/{token}/events', { params: { path: { token }, query }, signal }),
        // The server holds the poll up to longPollMs before answering: the timeout starts after that.
        longPollMs + (o?.timeoutMs ?? timeoutMs),
      ),
    getHistory: ({ clientId, ...query }, o) =>
      call('getHistory', o, (signal) =>
        raw.GET('/chatapi/{token}/client/{clientId}/history', { params: { path: { token, clientId }, query }, signal }),
      ),
    loadState: ({ clientId }, o) =>
      call('loadState', o, (signal) => raw.GET('/chatapi/{token}/client/{clientId}/state', { params: { path: { token, clientId } }, signal })),
    saveState: ({ clientId, state }, o) =>
      call('saveState', o, (signal) =>
        raw.POST('/chatapi/{token}/client/{clientId}/state', { params: { path: { token, clientId } }, body: state, signal }),
      ),
    getMessageStatus: ({ clientId, questionId }, o) =>
      call('getMessageStatus', o, (signal) =>
        raw.GET('/chatapi/{token}/client/{clientId}/message/{questionId}/status', {
          params: { path: { token, clientId, questionId } },
          signal,
        }),
      ),
    setMessageStatus: ({ clientId, questionId, status }, o) =>
      call('setMessageStatus', o, (signal) =>
        raw.POST('/chatapi/{token}/client/{clientId}/message/{questionId}/status', {
          params: { path: { token, clientId, questionId } },
          body: { status },
          signal,
        }),
      ),
    setMessageStatuses: ({ clientId, statuses }, o) =>
      call('setMessageStatuses', o, (signal) =>
        raw.POST('/chatapi/{token}/client/{clientId}/message-statuses', {
          params: { path: { token, clientId } },
          body: { statuses },
          signal,
        }),
      ),
    getNotReadCount: ({ clientId }, o) =>
      call('getNotReadCount', o, (signal) =>
        raw.GET('/chatapi/{token}/client/{clientId}/message-not-read-count', { params: { path: { token, clientId } }, signal }),
      ),
    followEvents: (followOptions) => followEvents(client.getEvents, followOptions),
  };
  return client;
}
