// The ChatService with each operation that writes run as one store batch: with the SQLite store a
// request's writes (messages, events, session, delivery) are one commit, made before the route
// sends the answer, instead of one commit per write. The behaviour is ChatService's, unchanged.
import { ChatService, type ChatServiceDeps } from '../chat.js';
import type { StatusUpdate } from './types.js';
import type { ChatState, ClientInput, ChatResponse, MessageStatusInfo, Reply } from '../types.js';

export class TransactionalChatService extends ChatService {
  private readonly store: ChatServiceDeps['store'];

  constructor(deps: ChatServiceDeps) {
    super(deps);
    this.store = deps.store;
  }

  override send(token: string, input: ClientInput, mode: 'sync' | 'async'): ChatResponse {
    return this.store.batch(() => super.send(token, input, mode));
  }

  override operatorReply(token: string, clientId: string, replies: readonly Reply[]): ChatResponse {
    return this.store.batch(() => super.operatorReply(token, clientId, replies));
  }

  override saveState(token: string, clientId: string, state: ChatState): { clientId: string; timestamp: string } {
    return this.store.batch(() => super.saveState(token, clientId, state));
  }

  override setStatuses(token: string, clientId: string, updates: readonly StatusUpdate[], batch = false): MessageStatusInfo[] {
    return this.store.batch(() => super.setStatuses(token, clientId, updates, batch));
  }
}
