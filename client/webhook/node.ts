// The webhook receiver as a plain node:http request listener.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './read-body.js';
import {
  createDispatcher,
  DEFAULT_LIMIT_BYTES,
  judgeDelivery,
  payloadCheck,
  refusedByHeaders,
  type WebhookAnswer,
  type WebhookItemHandler,
  type WebhookOptions,
} from './receiver.js';

export function sendAnswer(response: ServerResponse, answer: WebhookAnswer): void {
  const body = JSON.stringify(answer.body);
  response.writeHead(answer.status, { ...answer.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** Reads, judges and answers one webhook request; shared by the node:http and Express adapters. */
export function rawRequestAnswerer<Req extends IncomingMessage>(onItem: WebhookItemHandler<Req>, options: WebhookOptions) {
  const dispatch = createDispatcher(onItem, options);
  const check = payloadCheck(options);
  const limitBytes = options.limitBytes ?? DEFAULT_LIMIT_BYTES;
  return {
    dispatch,
    check,
    async answer(request: Req): Promise<WebhookAnswer> {
      const { method, headers } = request;
      const refused = refusedByHeaders(method, headers['content-type']);
      if (refused) {
        request.resume(); // drained, so that the answer reaches the sender
        return refused;
      }
      const judged = judgeDelivery({ method, contentType: headers['content-type'], body: await readBody(request, { limitBytes }) }, check);
      if (judged.ok) return dispatch(judged.payload, request);
      // A body cut short has nobody left to answer, most likely: say so to the owner.
      if (judged.unread?.problem.kind === 'aborted') options.onError?.(new Error(`webhook body not received: ${judged.unread.problem.message}`));
      return judged.answer;
    },
  };
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
  const receiver = rawRequestAnswerer(onItem, options);
  return async (request, response) => {
    let answer: WebhookAnswer;
    try {
      answer = await receiver.answer(request);
    } catch (error) {
      // A listener's rejection would end the process: answer 500 (the sender retries) and tell.
      options.onError?.(error);
      answer = { status: 500, body: { error: 'chatapi.webhook.internal', message: 'The webhook receiver failed.', status: 500 } };
    }
    if (!response.headersSent && response.writable) sendAnswer(response, answer);
  };
}
