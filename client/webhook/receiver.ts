// The transport-free core of the webhook receiver: checks a parsed payload against the
// description's WebhookPayload schema and hands each item to the callback, in order.
import { SchemaValidator, type Violation } from '../../validation/schema-validator.js';
import type { ChatResponse, WebhookPayload } from '@chatapi-contract/client';

export interface WebhookItemContext<Req> {
  /** The item's position in the payload array. */
  index: number;
  payload: WebhookPayload;
  /** The HTTP request that carried the payload (node:http or Express). */
  request: Req;
}

/** Called once per item of a valid payload; a rejection answers 500 so that the sender retries. */
export type WebhookItemHandler<Req> = (item: ChatResponse, context: WebhookItemContext<Req>) => void | Promise<void>;

export interface WebhookOptions {
  /** Largest body accepted, in bytes (default 1 MiB, as the description's 413 says). */
  limitBytes?: number;
  /** A validator to share (default: one over the bundled description, built once per handler). */
  validator?: SchemaValidator;
  /** Told about callback failures (the sender only sees a 500). */
  onError?: (error: unknown) => void;
}

export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown>;
}

export const DEFAULT_LIMIT_BYTES = 1024 * 1024;

export function invalid(message: string, violations: Violation[] = []): WebhookAnswer {
  return { status: 400, body: { error: 'chatapi.webhook.invalid', message, status: 400, violations } };
}

export function tooLarge(limitBytes: number): WebhookAnswer {
  return {
    status: 413,
    body: { error: 'chatapi.webhook.too-large', message: `The body is larger than ${limitBytes} bytes.`, status: 413 },
  };
}

/** Parses raw bytes as JSON; `undefined` when they are not JSON. */
export function parseJson(raw: Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return undefined;
  }
}

export function createDispatcher<Req>(onItem: WebhookItemHandler<Req>, options: WebhookOptions = {}) {
  const validator = options.validator ?? new SchemaValidator();
  return async function dispatch(value: unknown, request: Req): Promise<WebhookAnswer> {
    const result = validator.validateSchema('WebhookPayload', value);
    if (!result.valid) return invalid('The payload breaks the WebhookPayload schema.', result.violations);
    const payload = value as WebhookPayload;
    try {
      // One after another: a chat's messages must keep their order.
      for (const [index, item] of payload.entries()) await onItem(item, { index, payload, request });
    } catch (error) {
      options.onError?.(error);
      return { status: 500, body: { error: 'chatapi.webhook.handler-failed', message: 'The webhook handler failed.', status: 500 } };
    }
    return { status: 200, body: { received: payload.length } };
  };
}
