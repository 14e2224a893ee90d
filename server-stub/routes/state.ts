// GET and POST /chatapi/{token}/client/{clientId}/state.
import type { Router } from 'express';
import type { ChatService } from '../chat.js';
import type { ChatState } from '../types.js';
import { tokenOf } from './util.js';

export function stateRoutes(router: Router, chat: ChatService): void {
  router.get('/:token/client/:clientId/state', (req, res) => {
    res.json(chat.loadState(tokenOf(res), req.params.clientId!));
  });
  router.post('/:token/client/:clientId/state', (req, res) => {
    res.json(chat.saveState(tokenOf(res), req.params.clientId!, req.body as ChatState));
  });
}
