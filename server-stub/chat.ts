// The Chat API's behaviour, operation by operation, over the store, the bot, the event bus and the
// timeout timers. Each entry point — a request, a console action, a reply timeout firing — is one
// unit of work: it reads what it needs from the store (in parallel: one round trip to a shared
// store), decides, records its writes in one unit and commits it before it answers. Routes translate
// HTTP to these calls and back.
import type { BotEngine, BotTurn } from './bot/engine.js';
import { closesConversation, heldAfterBotReplies, takenOver, takeoverState, type TakeoverState } from './bot/takeover.js';
import type { Channels, ChannelSettings } from './channels.js';
import { formatTimestamp, newDeliveryId, newOperatorMessageId, newQuestionId } from './clock.js';
import { Errors } from './errors.js';
import { toWire, type EventBus } from './events.js';
import type { ChatStore, PendingTimeout, StatusUpdate, StoreUnit, StoredMessage } from './store/types.js';
import type { TimeoutScheduler } from './timeouts.js';
import type { BotResponseData, ChatEvent, ChatResponse, ChatState, ClientInput, ClientRequestRecord, MessageStatusInfo, Reply, WidgetStateRecord } from './types.js';

export interface ChatServiceDeps {
  store: ChatStore;
  bus: EventBus;
  bot: BotEngine;
  channels: Channels;
  /** This process's timers for the reply timeouts the store keeps. */
  timeouts: TimeoutScheduler;
}

/** One client of a channel, as the operator console lists it. */
export interface ClientSummary {
  clientId: string;
  messageCount: number;
  lastMessage: StoredMessage | null;
  unreadCount: number;
  takeover: TakeoverState;
}

/** The text of every text reply, joined by a blank line (JAICF's rule); "" when there is none. */
export function joinAnswer(replies: readonly Reply[]): string {
  let answer = '';
  for (const reply of replies) {
    if (reply.type === 'text') answer = answer === '' ? reply.text : `${answer}\n\n${reply.text}`;
  }
  return answer;
}

interface Outgoing {
  author: 'BOT' | 'OPERATOR';
  questionId: string;
  replies: readonly Reply[];
  ts: number;
  turn?: BotTurn;
  newSession?: boolean;
  cid?: string;
  /** The cid of the connection that already has this reply (the events filter leaves it out there). */
  eventCid?: string;
}

const NO_SETTINGS: ChannelSettings = { webhookUrl: null, blockTextInputWithButtons: false };

export class ChatService {
  constructor(private readonly deps: ChatServiceDeps) {}

  /** A client query or event: recorded, published, answered by the bot (and, async, sent to the webhook). */
  async send(token: string, input: ClientInput, mode: 'sync' | 'async'): Promise<ChatResponse> {
    const { store, bot, channels } = this.deps;
    const { clientId, cid } = input;
    const [conversation, settings = NO_SETTINGS, [ts, replyTs]] = await Promise.all([store.conversation(token, clientId), channels.get(token), store.timestamps(token, 2)]);
    const unit = store.unit();
    // Any client message cancels a pending reply timeout.
    if (conversation.timeoutPending) {
      this.deps.timeouts.cancel(token, clientId);
      unit.setTimeout(token, clientId, null);
    }

    const timestamp = formatTimestamp(ts!);
    const questionId = newQuestionId();
    const message: StoredMessage = { questionId, author: 'CLIENT', status: 'DELIVERED', timestamp, ts: ts! };
    const record: ClientRequestRecord = { clientId, questionId, timestamp };
    if (cid !== undefined) record.cid = cid;
    if (input.query !== undefined) message.text = record.query = input.query;
    if (input.event !== undefined) message.event = record.event = input.event;
    if (input.data !== undefined) message.eventData = record.data = input.data;
    unit.appendMessage(token, clientId, message);
    unit.appendEvent(token, clientId, { type: 'clientRequest', ts: ts!, cid, event: record });
    unit.touchDesk(token, clientId);

    if (conversation.held) {
      if (closesConversation(conversation.held, input.query)) {
        unit.setHeld(token, clientId, null);
      } else {
        // An operator has the conversation: the message reached it (history, events, the console),
        // and the bot stays silent, so the envelope carries no replies.
        await unit.commit();
        const silent: ChatResponse = { token, clientId, questionId, timestamp, data: { replies: [], answer: '' }, blockForm: false };
        if (cid !== undefined) silent.cid = cid;
        return silent;
      }
    }

    const turn = bot.respond(input);
    unit.setSession(token, clientId, !turn.endSession);
    const held = heldAfterBotReplies(turn.replies, ts!);
    if (held) unit.setHeld(token, clientId, held);
    // The reply envelope echoes cid either way; but only a sync reply has reached that connection
    // already, so only it is tagged with the cid that the events filter leaves out.
    const response = this.toClient(unit, token, clientId, settings, {
      author: 'BOT',
      questionId,
      replies: turn.replies,
      ts: replyTs!,
      turn,
      newSession: !conversation.sessionOpen,
      cid,
      eventCid: mode === 'sync' ? cid : undefined,
    });
    const timeout = turn.timeout && this.setTimeout(unit, token, clientId, turn.timeout);
    if (mode === 'async') this.deliver(unit, settings, response);
    await unit.commit();
    if (timeout) this.deps.timeouts.schedule(timeout);
    return response;
  }

  /** A live operator's message to the client (simulated through the control API). */
  async operatorReply(token: string, clientId: string, replies: readonly Reply[]): Promise<ChatResponse> {
    const { store, channels } = this.deps;
    const [conversation, settings = NO_SETTINGS, [ts]] = await Promise.all([store.conversation(token, clientId), channels.get(token), store.timestamps(token, 1)]);
    const unit = store.unit();
    // An operator who answers a conversation waiting in the queue has taken it.
    if (conversation.held?.handler === 'waiting') unit.setHeld(token, clientId, takenOver(conversation.held, ts!));
    const response = this.toClient(unit, token, clientId, settings, { author: 'OPERATOR', questionId: newOperatorMessageId(), replies, ts: ts! });
    this.deliver(unit, settings, response);
    await unit.commit();
    return response;
  }

  async saveState(token: string, clientId: string, state: ChatState): Promise<{ clientId: string; timestamp: string }> {
    const { store } = this.deps;
    const [ts] = await store.timestamps(token, 1);
    const timestamp = formatTimestamp(ts!);
    const unit = store.unit();
    unit.saveState(token, clientId, state);
    const record: WidgetStateRecord = { clientId, timestamp, state };
    unit.appendEvent(token, clientId, { type: 'widgetStateChange', ts: ts!, event: record });
    await unit.commit();
    return { clientId, timestamp };
  }

  async loadState(token: string, clientId: string): Promise<ChatState> {
    return (await this.deps.store.loadState(token, clientId)) ?? {};
  }

  async history(token: string, clientId: string, fromTs?: number, toTs?: number): Promise<{ clientId: string; totalCount: number; messages: StoredMessage[] }> {
    const messages = await this.deps.store.listMessages(token, clientId, fromTs, toTs);
    return { clientId, totalCount: messages.length, messages };
  }

  async status(token: string, clientId: string, questionId: string): Promise<MessageStatusInfo> {
    const { store } = this.deps;
    const [known, status] = await Promise.all([store.hasClient(token, clientId), store.outgoingStatus(token, clientId, questionId)]);
    if (!known) throw Errors.clientNotFound(clientId);
    if (status === undefined) throw Errors.messageNotFound(clientId, questionId);
    return { questionId, status };
  }

  /**
   * Sets the statuses of messages sent to the client; one unknown id changes nothing (404).
   * `batch`: the ids came in the body's `statuses`, so a 404 points at the member that named it.
   */
  async setStatuses(token: string, clientId: string, updates: readonly StatusUpdate[], batch = false): Promise<MessageStatusInfo[]> {
    const result = await this.deps.store.setStatuses(token, clientId, updates);
    if (!result.ok) {
      if (result.reason === 'client') throw Errors.clientNotFound(clientId);
      const index = updates.findIndex((u) => u.questionId === result.questionId);
      throw Errors.messageNotFound(clientId, result.questionId, batch ? { location: 'body', path: `/statuses/${index}/questionId` } : undefined);
    }
    return updates.map((update) => ({ questionId: update.questionId, status: update.status }));
  }

  unreadCount(token: string, clientId: string): Promise<number> {
    return this.deps.store.unreadCount(token, clientId);
  }

  /**
   * /events: answers at once when events newer than `ts` (or than this client's previous call)
   * match, else holds until one is published (by any process sharing the store) or `timeoutMs`
   * passes. `signal`: the client went away.
   */
  async pollEvents(token: string, clientId: string, query: { all: boolean; cid?: string; ts?: number }, timeoutMs: number, signal?: AbortSignal): Promise<ChatEvent[]> {
    const { store, bus } = this.deps;
    const afterTs = query.ts ?? (await store.eventCursor(token, clientId)) ?? -1;
    const found = await bus.wait(token, clientId, { all: query.all, cid: query.cid, afterTs }, timeoutMs, signal);
    // The next call without `ts` goes on from here: after the last event returned, or, when none
    // matched, after every event of the client so far. A call that gave its own `ts` pages by itself
    // and leaves the cursor alone (a far-future `ts` must not hide later events from ts-less calls);
    // so does a poll let go by a reset or a shutdown.
    if (query.ts === undefined && !found.released) {
      const last = found.events[found.events.length - 1];
      const unit = store.unit();
      unit.setEventCursor(token, clientId, last ? last.ts : found.latestTs);
      await unit.commit();
    }
    return found.events.map(toWire);
  }

  // --- The operator console (control API) ---------------------------------------------------

  /** The channel's clients, in the order they first wrote, with their last message and unread count. */
  async clients(token: string): Promise<{ version: number; clients: ClientSummary[] }> {
    const desk = await this.deps.store.desk(token);
    return {
      version: desk.version,
      clients: desk.clients.map(({ held, ...client }) => ({ ...client, takeover: takeoverState(held) })),
    };
  }

  /** Whether the client is listed on the console (it wrote, or was written to, and was not evicted). */
  isListed(token: string, clientId: string): Promise<boolean> {
    return this.deps.store.onDesk(token, clientId);
  }

  async takeoverState(token: string, clientId: string): Promise<TakeoverState> {
    return takeoverState((await this.deps.store.conversation(token, clientId)).held);
  }

  /** An operator takes the conversation: the bot stays silent, and its pending reply timeout is dropped. */
  async takeOver(token: string, clientId: string): Promise<TakeoverState> {
    const { store, timeouts } = this.deps;
    const conversation = await store.conversation(token, clientId);
    const held = takenOver(conversation.held, Date.now());
    const unit = store.unit();
    timeouts.cancel(token, clientId);
    unit.setTimeout(token, clientId, null);
    unit.setHeld(token, clientId, held);
    unit.touchDesk(token, clientId);
    await unit.commit();
    return takeoverState(held);
  }

  /** The operator closes the conversation: the bot answers the client's next message. */
  async closeOperatorChat(token: string, clientId: string): Promise<TakeoverState> {
    const unit = this.deps.store.unit();
    unit.setHeld(token, clientId, null);
    unit.touchDesk(token, clientId);
    await unit.commit();
    return takeoverState(undefined);
  }

  /** Runs the client's pending reply timeout now, as if the interval had passed; false when none is pending. */
  async fireTimeout(token: string, clientId: string): Promise<boolean> {
    const timeout = await this.deps.store.takeTimeout(token, clientId);
    if (!timeout) return false;
    this.deps.timeouts.cancel(token, clientId);
    await this.timeoutReply(timeout);
    return true;
  }

  /** The client stayed silent (a timeout taken from the store): the bot goes to the target state; its reply is an event and a webhook delivery. */
  async timeoutReply(timeout: PendingTimeout): Promise<void> {
    const { store, channels, bot } = this.deps;
    const { token, clientId } = timeout;
    const [conversation, settings = NO_SETTINGS, [ts]] = await Promise.all([store.conversation(token, clientId), channels.get(token), store.timestamps(token, 1)]);
    if (conversation.held) return;
    const turn = bot.enter(timeout.targetState, clientId);
    if (!turn) return;
    const unit = store.unit();
    if (turn.endSession) unit.setSession(token, clientId, false);
    const response = this.toClient(unit, token, clientId, settings, { author: 'BOT', questionId: newQuestionId(), replies: turn.replies, ts: ts!, turn, newSession: false });
    const next = turn.timeout && this.setTimeout(unit, token, clientId, turn.timeout);
    this.deliver(unit, settings, response);
    await unit.commit();
    if (next) this.deps.timeouts.schedule(next);
  }

  /** Forgets every message, event, state, timeout, takeover and delivery; answers held long polls with []. */
  async reset(): Promise<void> {
    const { bus, store, timeouts } = this.deps;
    bus.releaseAll();
    timeouts.reset();
    await store.clear();
  }

  /** Records and publishes a message to the client, and builds its envelope. */
  private toClient(unit: StoreUnit, token: string, clientId: string, settings: ChannelSettings, out: Outgoing): ChatResponse {
    const { ts } = out;
    const timestamp = formatTimestamp(ts);
    const answer = joinAnswer(out.replies);
    const replies = out.replies as Reply[];
    const data: BotResponseData = out.turn
      ? {
          nlpClass: out.turn.nlpClass,
          confidence: out.turn.confidence,
          replies,
          answer,
          newSessionStarted: out.newSession ?? false,
          debugData: [],
          endSession: out.turn.endSession,
        }
      : { replies, answer };
    const blockForm = settings.blockTextInputWithButtons && replies.some((reply) => reply.type === 'buttons');
    const response: ChatResponse = { token, clientId, questionId: out.questionId, timestamp, data, blockForm };
    if (out.cid !== undefined) response.cid = out.cid;
    const message: StoredMessage = { questionId: out.questionId, author: out.author, status: 'SENT', timestamp, ts, replies };
    if (answer !== '') message.text = answer;
    unit.appendMessage(token, clientId, message);
    unit.appendEvent(token, clientId, { type: out.author === 'BOT' ? 'botResponse' : 'operatorResponse', ts, cid: out.eventCid, event: response });
    unit.touchDesk(token, clientId);
    return response;
  }

  private setTimeout(unit: StoreUnit, token: string, clientId: string, timeout: { intervalMs: number; targetState: string }): PendingTimeout {
    const pending: PendingTimeout = { id: newQuestionId(), token, clientId, dueAt: Date.now() + timeout.intervalMs, targetState: timeout.targetState };
    unit.setTimeout(token, clientId, pending);
    return pending;
  }

  private deliver(unit: StoreUnit, settings: ChannelSettings, response: ChatResponse): void {
    if (!settings.webhookUrl) return;
    unit.enqueueDelivery({
      id: newDeliveryId(),
      token: response.token,
      clientId: response.clientId,
      url: settings.webhookUrl,
      questionIds: [response.questionId],
      payload: [response],
      state: 'pending',
      attempts: [],
      roundStart: 0,
    });
  }
}
