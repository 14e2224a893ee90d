// The transport-free core of the webhook receiver, shared by the package's node:http and Express
// adapters and by the contract suite's receiver: it judges a delivery (method, content type, the
// body as read by read-body.ts) against the description's WebhookPayload, with every finding in
// the description's `Violation` shape, and says what to answer. As the description advises a
// receiver, the dispatcher acknowledges quickly (a 202 once the handlers have taken longer than
// `acknowledgeAfterMs`, while they go on), so that a slow handler causes no retries and duplicates,
// and it can drop items it has seen (`deduplicate`, by questionId), since delivery is at least once.
import type { SchemaValidator, ValidationResult } from '../../description/schemas.js';
import type { ChatResponse, Schemas, WebhookPayload } from '@chatapi-contract/client';
import { checkWebhookPayload } from './payload-check.js';
import { isJsonMediaType, type BodyRead } from './read-body.js';

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
  /**
   * A validator over a description of your own (default: the WebhookPayload schema of the
   * packaged description, compiled to code at build time; nothing is read from disk).
   */
  validator?: SchemaValidator;
  /** Told about callback failures (the sender sees a 500, or nothing once it got its 202), and bodies cut short. */
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

/** One way in which a delivery breaks the description: the description's own `Violation`. */
export type Violation = Schemas['Violation'];

export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** Checks a parsed payload; the violations' paths are JSON pointers into the body. */
export type PayloadCheck = (value: unknown) => Violation[];

export const DEFAULT_LIMIT_BYTES = 1024 * 1024;
export const DEFAULT_ACKNOWLEDGE_AFTER_MS = 2000;
const DEFAULT_REMEMBERED_IDS = 10_000;

/** Schema violations (`pointer`, `/` for the whole value) as body violations (`path`, `''` for the whole body). */
export function bodyViolations(result: ValidationResult): Violation[] {
  return result.violations.map((v) => ({ location: 'body', path: v.pointer === '/' ? '' : v.pointer, message: v.message }));
}

/** The check the options ask for: the given validator's, or the compiled WebhookPayload schema. */
export function payloadCheck(options: Pick<WebhookOptions, 'validator'> = {}): PayloadCheck {
  const { validator } = options;
  return validator ? (value) => bodyViolations(validator.validateSchema('WebhookPayload', value)) : (value) => bodyViolations(checkWebhookPayload(value));
}

/** What is wrong with a delivery, most basic first: the first one is what the receiver answers. */
interface Finding {
  status: number;
  error: string;
  message: string;
  violations: Violation[];
  headers?: Record<string, string>;
}

const answerTo = ({ status, error, message, violations, headers }: Finding): WebhookAnswer => ({
  status,
  body: violations.length > 0 ? { error, message, status, violations } : { error, message, status },
  ...(headers ? { headers } : {}),
});

/** What the request line and headers alone refuse (method, media type), before the body is read. */
function headerFindings(method: string | undefined, contentType: string | undefined): Finding[] {
  const findings: Finding[] = [];
  if (method !== 'POST') {
    findings.push({ status: 405, error: 'chatapi.webhook.method', message: 'Use POST.', violations: [{ message: `delivered with ${method ?? 'no method'}, expected POST` }], headers: { allow: 'POST' } });
  }
  if (!isJsonMediaType(contentType)) {
    findings.push({
      status: 415,
      error: 'chatapi.webhook.unsupported_media_type',
      message: `The body must be application/json, not ${contentType ?? 'none'}.`,
      violations: [{ location: 'header', path: 'content-type', message: 'must be application/json' }],
    });
  }
  return findings;
}

/** The answer to a request refused on its method or media type, if it is: its body need not be read. */
export function refusedByHeaders(method: string | undefined, contentType: string | undefined): WebhookAnswer | undefined {
  const [first] = headerFindings(method, contentType);
  return first && answerTo(first);
}

function bodyFinding(read: BodyRead & { ok: false }): Finding {
  const { problem } = read;
  const violations: Violation[] = [{ location: 'body', path: '', message: problem.message }];
  switch (problem.kind) {
    case 'too_large':
      return { status: 413, error: 'chatapi.webhook.too_large', message: `The body is larger than ${problem.limitBytes} bytes.`, violations, headers: { connection: 'close' } };
    case 'unsupported_encoding':
      return { status: 415, error: 'chatapi.webhook.unsupported_media_type', message: 'The body must not be compressed.', violations: [{ location: 'header', path: 'content-encoding', message: problem.message }] };
    case 'unsupported_charset':
      return { status: 415, error: 'chatapi.webhook.unsupported_media_type', message: 'The body must be UTF-8.', violations: [{ location: 'header', path: 'content-type', message: problem.message }] };
    case 'aborted':
    case 'size_mismatch':
      return { status: 400, error: 'chatapi.webhook.incomplete', message: 'The body was cut short.', violations };
  }
}

export type Judgement =
  | { ok: true; payload: WebhookPayload; json: { value: unknown }; violations: [] }
  | {
      ok: false;
      answer: WebhookAnswer;
      /** Every finding, not only the one answered (a recording receiver reports them all). */
      violations: Violation[];
      /** The parsed body, when it was JSON. */
      json?: { value: unknown };
      jsonError?: string;
      /** Why the body could not be read, when it could not. */
      unread?: BodyRead & { ok: false };
    };

function judgement(findings: Finding[], extra: { json?: { value: unknown }; jsonError?: string; unread?: BodyRead & { ok: false } }): Judgement & { ok: false } {
  return { ok: false, answer: answerTo(findings[0]!), violations: findings.flatMap((f) => f.violations), ...extra };
}

function schemaFinding(value: unknown, check: PayloadCheck): Finding[] {
  const violations = check(value);
  return violations.length === 0 ? [] : [{ status: 400, error: 'chatapi.webhook.invalid', message: 'The payload breaks the WebhookPayload schema.', violations }];
}

function judged(findings: Finding[], value: unknown): Judgement {
  return findings.length === 0 ? { ok: true, payload: value as WebhookPayload, json: { value }, violations: [] } : judgement(findings, { json: { value } });
}

/** Judges an already parsed body (Express with `express.json()` in front). */
export function judgeValue(value: unknown, check: PayloadCheck): Judgement {
  return judged(schemaFinding(value, check), value);
}

/** Judges a whole delivery: its method, its media type and its body, as read by readBody. */
export function judgeDelivery(delivery: { method: string | undefined; contentType: string | undefined; body: BodyRead }, check: PayloadCheck): Judgement {
  const findings = headerFindings(delivery.method, delivery.contentType);
  if (!delivery.body.ok) return judgement([...findings, bodyFinding(delivery.body)], { unread: delivery.body });
  let value: unknown;
  try {
    value = JSON.parse(delivery.body.bytes.toString('utf8'));
  } catch (error) {
    const jsonError = (error as Error).message;
    const notJson: Finding = { status: 400, error: 'chatapi.webhook.invalid', message: 'The body is not JSON.', violations: [{ location: 'body', path: '', message: `not JSON: ${jsonError}` }] };
    return judgement([...findings, notJson], { jsonError });
  }
  return judged([...findings, ...schemaFinding(value, check)], value);
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

/** Hands each item of a valid payload to `onItem`, in order, and says what to answer. */
export function createDispatcher<Req>(onItem: WebhookItemHandler<Req>, options: WebhookOptions = {}) {
  const acknowledgeAfterMs = options.acknowledgeAfterMs ?? DEFAULT_ACKNOWLEDGE_AFTER_MS;
  const seen = options.deduplicate ? new RecentIds(typeof options.deduplicate === 'number' ? options.deduplicate : DEFAULT_REMEMBERED_IDS) : undefined;
  return async function dispatch(payload: WebhookPayload, request: Req): Promise<WebhookAnswer> {
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
