// The webhook receiver as Express middleware. Works with or without `express.json()` in front:
// an already parsed `req.body` is used as is, otherwise the raw body is read here.
import type { Request, RequestHandler } from 'express';
import { answerRawRequest, sendAnswer } from './node.js';
import { createDispatcher, DEFAULT_LIMIT_BYTES, type WebhookItemHandler, type WebhookOptions } from './receiver.js';

export function webhookMiddleware(onItem: WebhookItemHandler<Request>, options: WebhookOptions = {}): RequestHandler {
  const dispatch = createDispatcher(onItem, options);
  const limitBytes = options.limitBytes ?? DEFAULT_LIMIT_BYTES;
  return async (req, res, next) => {
    try {
      // Express 5 leaves req.body undefined unless a body parser ran.
      const answer =
        req.body !== undefined && req.method === 'POST'
          ? await dispatch(req.body, req)
          : await answerRawRequest(req, limitBytes, (value) => dispatch(value, req));
      if (answer.status === 413) res.setHeader('connection', 'close');
      sendAnswer(res, answer);
    } catch (error) {
      next(error);
    }
  };
}
