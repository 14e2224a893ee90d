// Message statuses and the unread count.
import type { Router } from 'express';
import type { ChatService } from '../chat.js';
import type { StatusUpdate } from '../store/types.js';
import type { MessageStatus } from '../types.js';
import { tokenOf } from './util.js';

export function statusRoutes(router: Router, chat: ChatService): void {
  const one = '/:token/client/:clientId/message/:questionId/status';
  router.get(one, (req, res) => {
    res.json(chat.status(tokenOf(res), req.params.clientId!, req.params.questionId!));
  });
  router.post(one, (req, res) => {
    const { status } = req.body as { status: MessageStatus };
    const [result] = chat.setStatuses(tokenOf(res), req.params.clientId!, [{ questionId: req.params.questionId!, status }]);
    res.json(result);
  });
  router.post('/:token/client/:clientId/message-statuses', (req, res) => {
    const { statuses } = req.body as { statuses: StatusUpdate[] };
    res.json({ statuses: chat.setStatuses(tokenOf(res), req.params.clientId!, statuses, true) });
  });
  router.get('/:token/client/:clientId/message-not-read-count', (req, res) => {
    res.json({ count: chat.unreadCount(tokenOf(res), req.params.clientId!) });
  });
}
