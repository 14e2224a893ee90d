// GET /chatapi/{token}/client/{clientId}/history.
import type { Router } from 'express';
import type { ChatService } from '../chat.js';
import { optionalInteger, queryOf, tokenOf } from './util.js';

export function historyRoutes(router: Router, chat: ChatService): void {
  router.get('/:token/client/:clientId/history', (req, res) => {
    const query = queryOf(req);
    res.json(chat.history(tokenOf(res), req.params.clientId!, optionalInteger(query.fromTimestamp), optionalInteger(query.toTimestamp)));
  });
}
