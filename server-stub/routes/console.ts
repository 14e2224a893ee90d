// The operator console's part of the control API (/_stub/channels/{token}/clients…): the channel's
// clients, one conversation, taking a conversation over and closing it, firing a reply timeout.
// Mounted by control.ts after its validator, so control-api.yaml checks these requests and answers.
import type { Router } from 'express';
import type { ChatService } from '../chat.js';
import type { Channels } from '../channels.js';
import { StubError, Errors } from '../errors.js';
import type { OperatorDesk } from '../operator-desk.js';
import { optionalInteger, queryOf } from './util.js';

export interface ConsoleDeps {
  chat: ChatService;
  channels: Channels;
  desk: OperatorDesk;
  /** How long GET …/clients?after=N holds when nothing changed (the Chat API's long-poll time). */
  longPollMs: () => number;
  channelNotFound: (token: string) => StubError;
}

export function consoleRoutes(router: Router, deps: ConsoleDeps): void {
  const { chat, channels, desk } = deps;
  const channelOf = (params: Record<string, string | undefined>): string => {
    const token = params.token!;
    if (!channels.get(token)) throw deps.channelNotFound(token);
    return token;
  };
  /** A client the channel has seen (else 404, as the Chat API answers for an unknown client). */
  const clientOf = (token: string, params: Record<string, string | undefined>): string => {
    const clientId = params.clientId!;
    if (!desk.clientIds(token).includes(clientId)) throw Errors.clientNotFound(clientId);
    return clientId;
  };

  router.get('/channels/:token/clients', (req, res) => {
    const token = channelOf(req.params);
    const after = optionalInteger(queryOf(req).after);
    const answer = () => {
      if (!res.writableEnded && !res.destroyed) res.json({ version: desk.version(token), clients: chat.clients(token) });
    };
    if (after === undefined) return answer();
    const cancel = desk.wait(token, after, deps.longPollMs(), answer);
    res.on('close', cancel);
  });

  router.get('/channels/:token/clients/:clientId', (req, res) => {
    const token = channelOf(req.params);
    const clientId = clientOf(token, req.params);
    const history = chat.history(token, clientId);
    res.json({
      clientId,
      takeover: chat.takeoverState(token, clientId),
      unreadCount: chat.unreadCount(token, clientId),
      messages: history.messages,
    });
  });

  router.post('/channels/:token/clients/:clientId/takeover', (req, res) => {
    const token = channelOf(req.params);
    res.json(chat.takeOver(token, clientOf(token, req.params)));
  });

  router.post('/channels/:token/clients/:clientId/takeover/close', (req, res) => {
    const token = channelOf(req.params);
    res.json(chat.closeOperatorChat(token, clientOf(token, req.params)));
  });

  router.post('/channels/:token/clients/:clientId/timeout', (req, res) => {
    const token = channelOf(req.params);
    const clientId = clientOf(token, req.params);
    if (!chat.fireTimeout(token, clientId)) {
      throw new StubError(409, 'stub.timeout.none_pending', 'The client has no pending reply timeout (a bot reply of type timeout schedules one; any client message cancels it).');
    }
    res.status(204).end();
  });
}
