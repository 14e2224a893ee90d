// The deliberately broken servers: each is the real stub behind a proxy that breaks the contract
// in exactly one way, with what the contract suite's output must then say.
import { rewriteJson, type Corruption } from './proxy.js';

export interface BrokenServer {
  name: string;
  corruption: Corruption;
  /** The failed check's name must appear on a `[failed]` line. */
  failedCheck: string;
  /** And this text (a JSON pointer, a status) under it. */
  violation: string;
}

const isPath = (method: string, pattern: RegExp) => (request: { method: string; path: string }) => request.method === method && pattern.test(request.path);
const ok = (status: number) => status >= 200 && status < 300;

export const BROKEN_SERVERS: BrokenServer[] = [
  {
    name: 'a required field missing (sendMessage answers without questionId)',
    corruption: {
      response: rewriteJson(
        (req, res) => isPath('POST', /^\/chatapi\/[^/]+$/)(req) && ok(res.status),
        ({ questionId: _dropped, ...rest }) => rest,
      ),
    },
    failedCheck: 'sendMessage: requests from the examples',
    violation: "response body /questionId: must have required property 'questionId'",
  },
  {
    name: 'a wrong type (the unread count as a string)',
    corruption: {
      response: rewriteJson(
        (req, res) => isPath('GET', /\/message-not-read-count$/)(req) && ok(res.status),
        (body) => ({ ...body, count: String(body.count) }),
      ),
    },
    failedCheck: 'getNotReadCount: requests from the examples',
    violation: 'response body /count: must be integer',
  },
  {
    name: 'an undocumented status code (saveState answers 201)',
    corruption: {
      response: (req, res) => (isPath('POST', /\/state$/)(req) && res.status === 200 ? { ...res, status: 201 } : res),
    },
    failedCheck: 'saveState: requests from the examples',
    violation: 'status 201 is not documented for saveState',
  },
  {
    name: 'a 500 on bad input (every 400 becomes a 500)',
    corruption: {
      response: (_req, res) =>
        res.status === 400 ? { status: 500, contentType: 'application/json', body: JSON.stringify({ error: 'chatapi.internal', message: 'NullPointerException', status: 500 }) } : res,
    },
    failedCheck: 'sendMessage: invalid bodies are rejected',
    violation: 'status 500: a server error, expected a documented 4xx',
  },
  {
    name: 'a webhook payload that is an object instead of an array',
    corruption: { webhook: (payload) => (Array.isArray(payload) ? payload[0] : payload) },
    failedCheck: 'the reply to an async request is delivered as an array with its questionId',
    violation: 'webhook payload /: must be array',
  },
  {
    name: 'a history that loses a message (the last one)',
    corruption: {
      response: rewriteJson(
        (req, res) => isPath('GET', /\/history$/)(req) && ok(res.status),
        (body) => {
          const messages = body.messages as unknown[];
          return messages.length > 0 ? { ...body, messages: messages.slice(0, -1), totalCount: messages.length - 1 } : body;
        },
      ),
    },
    failedCheck: 'history: a sent query and its reply are recorded',
    violation: "the bot's reply (BOT, questionId",
  },
];
