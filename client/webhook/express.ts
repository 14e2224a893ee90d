// The webhook receiver as Express middleware. Works with or without `express.json()` in front:
// an already parsed `req.body` is judged as is, otherwise the raw body is read here.
import type { Request, RequestHandler } from 'express';
import { rawRequestAnswerer, sendAnswer } from './node.js';
import { judgeValue, type WebhookItemHandler, type WebhookOptions } from './receiver.js';

export function webhookMiddleware(onItem: WebhookItemHandler<Request>, options: WebhookOptions = {}): RequestHandler {
  const receiver = rawRequestAnswerer(onItem, options);
  return async (req, res, next) => {
    try {
      // Express 5 leaves req.body undefined unless a body parser ran.
      let answer;
      if (req.body !== undefined && req.method === 'POST') {
        const judged = judgeValue(req.body, receiver.check);
        answer = judged.ok ? await receiver.dispatch(judged.payload, req) : judged.answer;
      } else {
        answer = await receiver.answer(req);
      }
      sendAnswer(res, answer);
    } catch (error) {
      next(error);
    }
  };
}
