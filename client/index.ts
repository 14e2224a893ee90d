// `chatapi-contract/client`: the typed Chat API client. Browser-safe (no Node built-ins); the
// webhook receiver, which needs Node, is `chatapi-contract/webhook`.
export { createChatApiClient, type ChatApiClient, type ChatApiClientOptions } from './create-client.js';
export { followEvents, nextTs, ChatApiEventsError, type FollowEventsOptions } from './events.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export { isClientFailure } from './types.js';
export type {
  ApiClientFailure,
  ApiData,
  ApiDocumentedFailure,
  ApiError,
  ApiResult,
  ApiSuccess,
  ApiUndocumentedFailure,
  CallOptions,
  ChatEvent,
  ChatRequest,
  ChatResponse,
  ChatState,
  ClientError,
  ClientErrorCode,
  EventsParams,
  HistoryParams,
  MessageStatus,
  MessageStatusInfo,
  OperationId,
  Reply,
  Schemas,
  SimpleSendParams,
  WebhookPayload,
} from './types.js';
export type { paths, components, operations, webhooks } from '../generated/chatapi.js';
