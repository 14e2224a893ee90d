// Who answers a client: the bot, or a live operator. A `switch` reply hands the conversation to an
// operator (it waits in the queue until one takes it); while it waits or an operator holds it the
// bot stays silent, until the operator closes it or the client sends one of the switch's
// closeChatPhrases. openapi/DECISIONS.md says what of this is documented and what is inferred.
// The rules only: who holds a conversation is kept by the store (HeldConversation), per client.
import type { HeldConversation } from '../store/types.js';
import type { Reply } from '../types.js';

export type Handler = 'bot' | 'waiting' | 'operator';

/** Who answers the client, as the control API shows it. */
export interface TakeoverState {
  handler: Handler;
  /** The phrases that end the operator's conversation (from the switch reply; compared trimmed, case-insensitively). */
  closeChatPhrases: string[];
  /** The switch reply's `firstMessage`: what the operator is told first. */
  firstMessage?: string;
  /** When the conversation left the bot (epoch ms). */
  since?: number;
}

const normalize = (text: string) => text.trim().toLowerCase();

export function takeoverState(held: HeldConversation | undefined): TakeoverState {
  if (!held) return { handler: 'bot', closeChatPhrases: [] };
  const state: TakeoverState = { handler: held.handler, closeChatPhrases: [...held.closeChatPhrases], since: held.since };
  if (held.firstMessage !== undefined) state.firstMessage = held.firstMessage;
  return state;
}

/** After a bot turn: a `switch` reply puts the conversation in the operators' queue. */
export function heldAfterBotReplies(replies: readonly Reply[], now: number): HeldConversation | undefined {
  const switchReply = replies.find((reply) => reply.type === 'switch');
  if (!switchReply) return undefined;
  const held: HeldConversation = { handler: 'waiting', closeChatPhrases: switchReply.closeChatPhrases ?? [], since: now };
  if (switchReply.firstMessage !== undefined) held.firstMessage = switchReply.firstMessage;
  return held;
}

/** A client's message that is one of the close phrases gives the conversation back to the bot (which answers it). */
export function closesConversation(held: HeldConversation, query: string | undefined): boolean {
  return query !== undefined && held.closeChatPhrases.some((phrase) => normalize(phrase) === normalize(query));
}

/** An operator takes the conversation (from the queue, or from the bot directly). */
export function takenOver(held: HeldConversation | undefined, now: number): HeldConversation {
  return held ? { ...held, handler: 'operator' } : { handler: 'operator', closeChatPhrases: [], since: now };
}
