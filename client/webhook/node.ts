// The webhook receiver as a plain node:http request listener.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBody } from './read-body.js';
import {
  createDispatcher,
  DEFAULT_LIMIT_BYTES,
  invalid,
  isJsonType,
  parseJson,
  tooLarge,
  unsupportedMediaType,
  type WebhookAnswer,
  type WebhookItemHandler,
  type WebhookOptions,
} from './receiver.js';

export function sendAnswer(response: ServerResponse, answer: WebhookAnswer): void {
  const body = JSON.stringify(answer.body);
  response.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** Reads, checks and answers one webhook request; shared by the node:http and Express adapters. */
export async function answerRawRequest(
  request: IncomingMessage,
  limitBytes: number,
  dispatch: (value: unknown, request: IncomingMessage) => Promise<WebhookAnswer>,
): Promise<WebhookAnswer> {
  if (request.method !== 'POST') return { status: 405, body: { error: 'chatapi.webhook.method', message: 'Use POST.', status: 405 } };
  if (!isJsonType(request.headers['content-type'])) {
    request.resume();
    return unsupportedMediaType(request.headers['content-type']);
  }
  let raw: Buffer;
  try {
    raw = await readBody(request, limitBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return tooLarge(limitBytes);
    throw error;
  }
  const parsed = parseJson(raw);
  return parsed ? dispatch(parsed.value, request) : invalid('The body is not JSON.');
}

/**
 * `http.createServer(createWebhookHandler(async (item) => …))`: answers 400 with the violations
 * when the payload breaks the description, 413 over the size limit, 415 for a body that is not
 * JSON, 200 once `onItem` has run for every item, or 202 if that takes longer than
 * `acknowledgeAfterMs` (the handlers go on).
 */
export function createWebhookHandler(
  onItem: WebhookItemHandler<IncomingMessage>,
  options: WebhookOptions = {},
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const dispatch = createDispatcher(onItem, options);
  const limitBytes = options.limitBytes ?? DEFAULT_LIMIT_BYTES;
  return async (request, response) => {
    let answer: WebhookAnswer;
    try {
      answer = await answerRawRequest(request, limitBytes, dispatch);
    } catch (error) {
      // The connection broke while reading: nobody is left to answer, but do not crash the server.
      options.onError?.(error);
      if (!response.headersSent && response.writable) sendAnswer(response, { status: 400, body: { error: 'chatapi.webhook.read', message: 'The body could not be read.' } });
      return;
    }
    // Past the limit the rest of the body is left unread: close the connection after answering.
    if (answer.status === 413) response.setHeader('connection', 'close');
    sendAnswer(response, answer);
  };
}
