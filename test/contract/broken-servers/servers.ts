// The deliberately broken servers: each is the real stub behind a proxy that breaks the contract
// in exactly one way, with what the contract suite's output must then say.
import type { FindingCode } from '../../../contract/engine/findings.js';
import { DROP, rewriteJson, type Corruption, type ProxiedRequest, type ProxiedResponse } from './proxy.js';

export interface BrokenServer {
  name: string;
  corruption: Corruption;
  /** The code of the violation the run must report. */
  code: FindingCode;
  /** Extra arguments: the phases that catch it (with a fixed seed), a response-time limit. */
  args?: string[];
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
    code: 'schema_violation',
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
    code: 'schema_violation',
    failedCheck: 'getNotReadCount: requests from the examples',
    violation: 'response body /count: must be integer',
  },
  {
    name: 'an undocumented status code (saveState answers 201)',
    corruption: {
      response: (req, res) => (isPath('POST', /\/state$/)(req) && res.status === 200 ? { ...res, status: 201 } : res),
    },
    code: 'undocumented_status',
    failedCheck: 'saveState: requests from the examples',
    violation: 'status 201 is not documented for saveState',
  },
  {
    name: 'a 500 on bad input (every 400 becomes a 500)',
    corruption: {
      response: (_req, res) =>
        res.status === 400 ? { status: 500, contentType: 'application/json', body: JSON.stringify({ error: 'chatapi.internal', message: 'NullPointerException', status: 500 }) } : res,
    },
    code: 'server_error',
    failedCheck: 'sendMessage: invalid bodies are rejected',
    violation: 'status 500: a server error',
  },
  {
    name: 'a webhook payload that is an object instead of an array',
    corruption: { webhook: (payload) => (Array.isArray(payload) ? payload[0] : payload) },
    code: 'webhook',
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
    code: 'behaviour',
    failedCheck: 'history: a sent query and its reply are recorded',
    violation: "the bot's reply (BOT, questionId",
  },

  // Breaks that only the coverage, fuzz and stateful phases find (the examples pass on each).
  {
    name: 'a 500 for a clientId of 300 characters or more',
    corruption: { response: (req, res) => (clientIdsOf(req).some((id) => id.length >= 300) ? serverError() : res) },
    code: 'server_error',
    args: ['--phases', 'coverage', '--seed', '7'],
    failedCheck: 'boundary cases of every parameter',
    violation: 'status 500: a server error',
  },
  {
    name: 'a 500 for non-ASCII text in a message',
    corruption: { response: (req, res) => (/[^\p{ASCII}]/u.test(req.body) ? serverError() : res) },
    code: 'server_error',
    args: ['--phases', 'fuzz', '--seed', '7'],
    failedCheck: 'random requests generated from the schemas',
    violation: 'status 500: a server error',
  },
  {
    name: 'a status outside the enum accepted (setMessageStatus answers 200 to status "SEEN")',
    corruption: {
      response: (req, res) => {
        const status = jsonOf(req.body)?.status;
        if (req.method !== 'POST' || !/\/status$/.test(req.path) || typeof status !== 'string' || ['SENT', 'DELIVERED', 'READ'].includes(status)) return res;
        return { status: 200, contentType: 'application/json', body: JSON.stringify({ questionId: req.path.split('/').at(-2), status: 'READ' }) };
      },
    },
    code: 'negative_data_accepted',
    args: ['--phases', 'coverage', '--seed', '7'],
    failedCheck: 'setMessageStatus: boundary cases',
    violation: 'to a request that breaks the description',
  },
  {
    name: 'a valid boundary value refused (a query of exactly 4096 characters gets 400)',
    corruption: {
      response: (req, res) => (typeof jsonOf(req.body)?.query === 'string' && (jsonOf(req.body)!.query as string).length === 4096 ? badRequest() : res),
    },
    code: 'positive_data_rejected',
    args: ['--phases', 'coverage', '--seed', '7'],
    failedCheck: 'sendMessage: boundary cases',
    violation: 'status 400 to a request the description allows',
  },
  {
    name: 'a 200 for DELETE, a method the description does not list',
    corruption: { response: (req, res) => (req.method === 'DELETE' ? { status: 200, contentType: 'application/json', body: '{}' } : res) },
    code: 'unsupported_method',
    args: ['--phases', 'coverage', '--seed', '7'],
    failedCheck: 'methods the description does not list',
    violation: 'answered 200',
  },
  {
    name: 'a fractional ts accepted by the events method',
    corruption: {
      response: (req, res) => (req.path.endsWith('/events') && /\./.test(req.query.get('ts') ?? '') ? { status: 200, contentType: 'application/json', body: '{"events":[]}' } : res),
    },
    code: 'negative_data_accepted',
    args: ['--phases', 'fuzz', '--seed', '3', '--max-examples', '100'],
    failedCheck: 'getEvents: random requests',
    violation: 'to a request that breaks the description',
  },
  {
    name: 'an unknown query parameter (a cache-buster) refused with 400',
    corruption: { response: (req, res) => (req.query.has('_') ? badRequest() : res) },
    code: 'positive_data_rejected',
    args: ['--phases', 'coverage', '--seed', '7'],
    failedCheck: 'getEvents: boundary cases',
    violation: 'status 400 to a request the description allows',
  },
  {
    name: 'an error page in HTML for a malformed percent escape',
    corruption: { response: (req, res) => (res.status === 400 && /malformed percent escape/.test(res.body) ? { status: 400, contentType: 'text/html', body: '<h1>Bad Request</h1>' } : res) },
    code: 'content_type',
    args: ['--phases', 'coverage', '--seed', '7'],
    failedCheck: 'boundary cases of every parameter',
    violation: 'content type text/html is not documented for status 400',
  },
  {
    name: 'a slow answer (the history takes 600 ms) under --max-response-time 300',
    corruption: { delayMs: (req) => (req.path.endsWith('/history') ? 600 : 0) },
    code: 'slow_response',
    args: ['--phases', 'examples', '--max-response-time', '300'],
    failedCheck: 'getHistory: requests from the examples',
    violation: 'over the limit of 300 ms',
  },
  {
    name: 'a broken link: the status of a reply just sent is unknown (404)',
    corruption: { response: (req, res) => (req.method === 'GET' && /\/message\/[^/]+\/status$/.test(req.path) ? notFound() : res) },
    code: 'positive_data_rejected',
    args: ['--phases', 'stateful'],
    failedCheck: 'sendMessage: the links of its answer lead to answers',
    violation: 'status 404 to a request the description allows',
  },

  // Issue 18: what only the checks added after Schemathesis's probing catch.
  {
    name: 'a 500 for a clientId of at most 256 characters but more than 256 bytes (a column sized in bytes)',
    corruption: { response: (req, res) => (clientIdsOf(req).some((id) => [...id].length <= 256 && Buffer.byteLength(id) > 256) ? serverError() : res) },
    code: 'server_error',
    args: ['--phases', 'coverage', '--seed', '7'],
    failedCheck: 'boundary cases of every parameter',
    violation: 'status 500: a server error',
  },
  {
    name: 'TRACE served (the request echoed back with 200)',
    corruption: { response: (req, res) => (req.method === 'TRACE' ? { status: 200, contentType: 'message/http', body: `TRACE ${req.path} HTTP/1.1` } : res) },
    code: 'unsupported_method',
    args: ['--phases', 'coverage', '--seed', '7'],
    failedCheck: '/chatapi/{token}: methods the description does not list',
    violation: 'TRACE /chatapi/{token} answered 200',
  },
  {
    name: 'a 405 without an Allow header',
    corruption: { response: (_req, res) => (res.status === 405 ? { ...res, headers: Object.fromEntries(Object.entries(res.headers ?? {}).filter(([name]) => name !== 'allow')) } : res) },
    code: 'method_not_allowed_without_allow',
    args: ['--phases', 'coverage', '--seed', '7'],
    failedCheck: 'methods the description does not list',
    violation: 'a 405 without an Allow header',
  },
  {
    name: 'a 500 for a NUL (%00) in a path parameter',
    corruption: { response: (req, res) => (req.path.includes('%00') ? serverError() : res) },
    code: 'server_error',
    args: ['--phases', 'coverage', '--seed', '7'],
    failedCheck: 'boundary cases of every parameter',
    violation: 'status 500: a server error',
  },
  {
    name: 'a bare 400 with no body for a control character in a header (Node\'s default)',
    corruption: { parserErrors: 'node' },
    code: 'content_type',
    args: ['--phases', 'coverage', '--seed', '7'],
    failedCheck: 'boundary cases of every parameter',
    violation: 'content type (none) is not documented for status 400',
  },
  {
    name: 'a 500 for a request with a header over 8 KiB',
    corruption: { response: (req, res) => (Object.values(req.headers).some((value) => value.length > 8 * 1024) ? serverError() : res) },
    code: 'server_error',
    args: ['--phases', 'coverage', '--seed', '7'],
    failedCheck: 'boundary cases of every parameter',
    violation: 'status 500: a server error',
  },
  {
    name: 'a 500 for the status of an async reply (found only by following its questionId by name)',
    corruption: ((): Corruption => {
      const asyncIds = new Set<string>();
      return {
        response: (req, res) => {
          if (req.method === 'POST' && req.path.endsWith('/async') && ok(res.status)) {
            const questionId = jsonOf(res.body)?.questionId;
            if (typeof questionId === 'string') asyncIds.add(questionId);
          }
          const status = /\/message\/([^/]+)\/status$/.exec(req.path);
          return status && asyncIds.has(decodeURIComponent(status[1]!)) ? serverError() : res;
        },
      };
    })(),
    code: 'server_error',
    args: ['--phases', 'stateful'],
    failedCheck: 'sendMessageAsync: the ids of its answer feed the operations that take them by name',
    violation: 'status 500: a server error',
  },
  {
    name: 'webhooks dropped (the platform acknowledges the async send and never delivers)',
    corruption: { webhook: () => DROP },
    code: 'webhook_not_received',
    args: ['--phases', 'examples'],
    failedCheck: 'the reply to an async request is delivered as an array with its questionId',
    violation: 'no webhook reached',
  },
  {
    name: 'webhooks without questionId',
    corruption: { webhook: (payload) => (Array.isArray(payload) ? payload.map(({ questionId: _dropped, ...item }) => item) : payload) },
    code: 'webhook_not_received',
    args: ['--phases', 'examples'],
    failedCheck: 'the reply to an async request is delivered as an array with its questionId',
    violation: 'none carried the questionId',
  },
];

function jsonOf(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Every clientId of a request: in the path, the query and the body. */
function clientIdsOf(req: ProxiedRequest): string[] {
  const inPath = /\/client\/([^/]*)/.exec(req.path)?.[1];
  const ids = [inPath, req.query.get('clientId') ?? undefined, jsonOf(req.body)?.clientId].filter((id): id is string => typeof id === 'string');
  return ids.map((id) => {
    try {
      return decodeURIComponent(id);
    } catch {
      return id;
    }
  });
}

const serverError = (): ProxiedResponse => ({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: 'chatapi.internal', message: 'NullPointerException', status: 500 }) });
const badRequest = (): ProxiedResponse => ({ status: 400, contentType: 'application/json', body: JSON.stringify({ error: 'chatapi.request.invalid', message: 'Bad request', status: 400 }) });
const notFound = (): ProxiedResponse => ({ status: 404, contentType: 'application/json', body: JSON.stringify({ error: 'chatapi.message.not_found', message: 'No such message', status: 404 }) });
