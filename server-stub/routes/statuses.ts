// Message statuses and the unread count.
import type { ChatService } from '../chat.js';
import type { HandlerTable } from '../handlers/types.js';

type StatusOperations = 'getMessageStatus' | 'setMessageStatus' | 'setMessageStatuses' | 'getNotReadCount';

export function statusHandlers(chat: ChatService): Pick<HandlerTable, StatusOperations> {
  return {
    getMessageStatus: ({ token, path }) => ({ status: 200, body: chat.status(token, path.clientId, path.questionId) }),
    setMessageStatus: ({ token, path, body }) => {
      const [result] = chat.setStatuses(token, path.clientId, [{ questionId: path.questionId, status: body.status }]);
      return { status: 200, body: result! };
    },
    setMessageStatuses: ({ token, path, body }) => ({ status: 200, body: { statuses: chat.setStatuses(token, path.clientId, body.statuses, true) } }),
    getNotReadCount: ({ token, path }) => ({ status: 200, body: { count: chat.unreadCount(token, path.clientId) } }),
  };
}
