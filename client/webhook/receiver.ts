// The transport-free core of the webhook receiver: checks a parsed payload against the
// description's WebhookPayload schema and hands each item to the callback, in order. As the
// description advises a receiver: it acknowledges quickly (a 202 once the handlers have taken
// longer than `acknowledgeAfterMs`, while they go on), so that a slow handler causes no retries
// and duplicates; it can drop items it has seen (`deduplicate`, by questionId), since delivery is at
// least once; and its 400 lists violations in the description's `Violation` shape.
import { SchemaValidator } from '../../description/schemas.js';
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
  /** Told about callback failures (the sender sees a 500, or nothing once it got its 202). */
  onError?: (error: unknown) => void;
  /**
   * Answer 202 once the handlers have run this long and let them finish (default 2000 ms, well
   * under a sender's timeout: the stub's is 5 s). `false`: always wait for the handlers.
   */
  acknowledgeAfterMs?: number | false;
  /**
   * Drop items whose questionId was already received (the sender retries a delivery it got no 2xx
   * for, so an item can come twice). `true` remembers the last 10,000 ids; a number sets how many.
   */
  deduplicate?: boolean | number;
}

/** One way in which a payload breaks the description: the description's own `Violation` shape. */
export interface PayloadViolation {
  location: 'body';
  /** A JSON pointer into the body. */
  path: string;
  message: string;
}

export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown>;
}

export const DEFAULT_LIMIT_BYTES = 1024 * 1024;

export const DEFAULT_ACKNOWLEDGE_AFTER_MS = 2000;
const DEFAULT_REMEMBERED_IDS = 10_000;

export function invalid(message: string, violations: PayloadViolation[] = []): WebhookAnswer {
  return { status: 400, body: { error: 'chatapi.webhook.invalid', message, status: 400, violations } };
}

export function unsupportedMediaType(contentType: string | undefined): WebhookAnswer {
  return {
    status: 415,
    body: { error: 'chatapi.webhook.unsupported_media_type', message: `The body must be application/json, not ${contentType ?? 'none'}.`, status: 415 },
  };
}

/** Whether a Content-Type names JSON (`application/json`, `application/x+json`, with parameters). */
export function isJsonType(contentType: string | undefined): boolean {
  return /^application\/([\w.-]+\+)?json\s*(;|$)/i.test(contentType ?? '');
}

/** The questionIds seen last, oldest forgotten first. */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly size: number) {}

  /** True the first time an id is offered. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.size) this.ids.delete(this.ids.values().next().value as string);
    return true;
  }
}

export function tooLarge(limitBytes: number): WebhookAnswer {
  return {
    status: 413,
    body: { error: 'chatapi.webhook.too_large', message: `The body is larger than ${limitBytes} bytes.`, status: 413 },
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
  const acknowledgeAfterMs = options.acknowledgeAfterMs ?? DEFAULT_ACKNOWLEDGE_AFTER_MS;
  const seen = options.deduplicate ? new RecentIds(typeof options.deduplicate === 'number' ? options.deduplicate : DEFAULT_REMEMBERED_IDS) : undefined;
  return async function dispatch(value: unknown, request: Req): Promise<WebhookAnswer> {
    const result = validator.validateSchema('WebhookPayload', value);
    if (!result.valid) {
      return invalid(
        'The payload breaks the WebhookPayload schema.',
        result.violations.map((v) => ({ location: 'body', path: v.pointer, message: v.message })),
      );
    }
    const payload = value as WebhookPayload;
    const fresh = payload.flatMap((item, index) => (!seen || seen.add(item.questionId) ? [{ item, index }] : []));
    const duplicates = payload.length - fresh.length;
    // One after another: a chat's messages must keep their order.
    const handled = (async () => {
      for (const { item, index } of fresh) await onItem(item, { index, payload, request });
    })();
    const done = handled.then(
      () => ({ status: 200, body: { received: payload.length, duplicates } }),
      (error: unknown) => {
        options.onError?.(error);
        return { status: 500, body: { error: 'chatapi.webhook.handler_failed', message: 'The webhook handler failed.', status: 500 } };
      },
    );
    if (acknowledgeAfterMs === false) return done;
    let timer: NodeJS.Timeout | undefined;
    const acknowledged = new Promise<WebhookAnswer>((resolve) => {
      timer = setTimeout(() => resolve({ status: 202, body: { accepted: payload.length, duplicates } }), acknowledgeAfterMs);
    });
    // Past the 202 a failing handler has no one to answer: onError still hears of it.
    const answer = await Promise.race([done, acknowledged]);
    clearTimeout(timer);
    return answer;
  };
}
