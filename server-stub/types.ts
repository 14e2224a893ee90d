// Wire types of the Chat API, taken from the types generated from the description (so that a change
// of the description breaks the stub at compile time rather than at run time).
import type { components } from '../generated/chatapi.js';

type Schemas = components['schemas'];

export type Reply = Schemas['Reply'];
export type ChatResponse = Schemas['ChatResponse'];
export type BotResponseData = Schemas['BotResponseData'];
export type ChatRequest = Schemas['ChatRequest'];
export type ClientRequestRecord = Schemas['ClientRequestRecord'];
export type WidgetStateRecord = Schemas['WidgetStateRecord'];
export type HistoryMessage = Schemas['HistoryMessage'];
export type MessageStatus = Schemas['MessageStatus'];
export type MessageStatusInfo = Schemas['MessageStatusInfo'];
export type ChatState = Schemas['ChatState'];
export type ErrorBody = Schemas['Error'];
export type Violation = Schemas['Violation'];

export type ChatEvent = Schemas['ChatEvent'];

/** The fields of a client request the stub reads (query and event exclusive; the validator checked it). */
export interface ClientInput {
  clientId: string;
  query?: string;
  event?: string;
  data?: Record<string, unknown>;
  cid?: string;
}
