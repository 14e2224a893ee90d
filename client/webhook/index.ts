// `chatapi-contract/webhook`: receives the Chat API webhook (Node only: it validates with the
// bundled description, read from disk).
export { createWebhookHandler } from './node.js';
export { webhookMiddleware } from './express.js';
export type { WebhookItemContext, WebhookItemHandler, WebhookOptions } from './receiver.js';
export type { ChatResponse, WebhookPayload } from '@chatapi-contract/client';
