// `chatapi-contract/webhook`: receives the Chat API webhook (Node only). It validates with the
// description's WebhookPayload schema compiled to code at build time: no file is read at run time.
export { createWebhookHandler } from './node.js';
export { webhookMiddleware } from './express.js';
export type { WebhookItemContext, WebhookItemHandler, WebhookOptions } from './receiver.js';
export type { ChatResponse, WebhookPayload } from '@chatapi-contract/client';
