// POST and GET /chatapi/{token} (synchronous) and POST /chatapi/{token}/async (paths relative to /chatapi).
import type { Router } from 'express';
import type { ChatService } from '../chat.js';
import { Errors } from '../errors.js';
import type { ChatRequest, ClientInput } from '../types.js';
import { queryOf, tokenOf } from './util.js';

/**
 * The fields of a validated ChatRequest body the stub uses (clientInfo and contexts are accepted and
 * ignored). A numeric clientId is read as its decimal text, as the JVM service's JSON binding does.
 */
function inputOf(body: ChatRequest): ClientInput {
  const request = body as Omit<ClientInput, 'clientId'> & { clientId: string | number };
  return { clientId: String(request.clientId), query: request.query, event: request.event, data: request.data, cid: request.cid };
}

export function messageRoutes(router: Router, chat: ChatService): void {
  router.post('/:token', (req, res) => {
    res.json(chat.send(tokenOf(res), inputOf(req.body as ChatRequest), 'sync'));
  });

  router.get('/:token', (req, res) => {
    const query = queryOf(req);
    // A schema cannot relate two query parameters: the description says it with `x-exactly-one-of`.
    if ((query.query === undefined) === (query.event === undefined)) {
      throw Errors.invalidRequest([
        query.query === undefined
          ? { location: 'query', path: 'query', message: 'give exactly one of query and event (neither was given)' }
          : { location: 'query', path: 'event', message: 'give exactly one of query and event (both were given)' },
      ]);
    }
    res.json(chat.send(tokenOf(res), { clientId: query.clientId!, query: query.query, event: query.event }, 'sync'));
  });

  router.post('/:token/async', (req, res) => {
    const response = chat.send(tokenOf(res), inputOf(req.body as ChatRequest), 'async');
    res.json({ questionId: response.questionId });
  });
}
