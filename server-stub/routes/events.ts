// GET /chatapi/{token}/events: long polling.
import type { Router } from 'express';
import type { ChatService } from '../chat.js';
import { optionalInteger, queryOf, tokenOf } from './util.js';

export function eventRoutes(router: Router, chat: ChatService, longPollMs: () => number): void {
  router.get('/:token/events', (req, res) => {
    const query = queryOf(req);
    const cancel = chat.pollEvents(
      tokenOf(res),
      query.clientId!,
      { all: query.all === 'true', cid: query.cid, ts: optionalInteger(query.ts) },
      longPollMs(),
      (events) => {
        if (!res.writableEnded && !res.destroyed) res.json({ events });
      },
    );
    // A client that goes away drops its waiter (and its timer) at once.
    res.on('close', cancel);
  });
}
