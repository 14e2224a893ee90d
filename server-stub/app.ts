// Express wiring: CORS; the Chat API behind express-openapi-validator (requests always, responses
// unless switched off), the token check and the routes; the stub's own pages; the control API;
// and one error handler that shapes every error body.
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import type { Description } from '../description/index.js';
import type { ChatService } from './chat.js';
import type { StubConfig } from './config.js';
import { BODY_LIMIT_BYTES, Errors, errorHandler, type Log } from './errors.js';
import { jsonBody } from './json-body.js';
import { rejectMalformedEscapes } from './percent-escapes.js';
import { validatorMiddleware } from './openapi.js';
import { dispatchOperations, operationRoutes } from './handlers/mount.js';
import { chatApiHandlers } from './routes/chat-api.js';
import { controlRouter, type ControlDeps } from './routes/control.js';
import { staticRoutes } from './routes/static.js';
import { maskPath, type TokenRegistry } from './tokens.js';
import { rejectLongRequestTargets, type TransportLimits } from './transport-limits.js';

export interface AppDeps {
  /** The Chat API description as the validator takes it (`chatApiSpecForValidator`). */
  chatApiSpec: Record<string, unknown>;
  config: StubConfig;
  /** The Chat API description: its operations are mounted, and validated against it (a Description will do). */
  description: Pick<Description, 'document' | 'operations'>;
  tokens: TokenRegistry;
  chat: ChatService;
  control: Omit<ControlDeps, 'chat' | 'validateResponses' | 'longPollMs'>;
  logError: Log;
  /** One line per request, or nothing. */
  logRequest?: Log;
  /** The description's transport limits (a longer request target gets its 414). */
  limits: TransportLimits;
}

/** Browsers call the stub from the developer's own origin: allow it, and answer preflights. */
const cors: RequestHandler = (req, res, next) => {
  res.setHeader('Access-Control-Allow-Origin', '*');
  if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'content-type');
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
    return;
  }
  next();
};

/** Marks the stub's own warm-up requests, which are not logged. */
export const WARM_UP_HEADER = 'x-chatapi-stub-warm-up';

function requestLogger(log: Log): RequestHandler {
  return (req, res, next) => {
    if (req.headers[WARM_UP_HEADER] !== undefined) return next();
    const started = performance.now();
    res.on('finish', () => log(`${req.method} ${maskPath(req.originalUrl)} ${res.statusCode} ${(performance.now() - started).toFixed(1)}ms`));
    next();
  };
}

/** Runs middlewares one after the other as one, stopping at the first error (passed on to `next`). */
export function inSequence(handlers: readonly RequestHandler[]): RequestHandler {
  return (req, res, next) => {
    let index = 0;
    const step = (error?: unknown): void => {
      if (error !== undefined && error !== null) return next(error);
      const handler = handlers[index++];
      if (!handler) return next();
      try {
        const result: unknown = handler(req, res, step);
        // As Express 5 does for a layer: a handler's rejected promise (an async operation's
        // StubError) goes to the error handler.
        if (result instanceof Promise) result.catch((error: unknown) => next(error ?? new Error('rejected promise')));
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}

/**
 * The request listener for node:http: the app, with the request's and response's per-request
 * fields declared first. Express 5 gives every request and response its app's prototype
 * (Object.setPrototypeOf), and V8 then caches no shape transition for them: each property added
 * afterwards costs microseconds (about 2.5 µs each here, several per request; the stub's CPU per
 * request, bench/run.ts). Declared before Express sees them, the same writes are plain stores.
 * Only fields that Express, the validator and this stub document and set on every request are
 * declared, as undefined, which each of them treats as absent.
 */
export function withDeclaredFields(app: Express): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const request = req as IncomingMessage & Partial<Record<'next' | 'baseUrl' | 'originalUrl' | 'params' | 'body' | 'openapi', unknown>>;
    request.next = undefined;
    request.baseUrl = undefined;
    request.originalUrl = undefined;
    request.params = undefined;
    request.body = undefined;
    request.openapi = undefined;
    (res as ServerResponse & { locals?: unknown }).locals = undefined;
    app(req, res);
  };
}

/** Throws a DescriptionError (MissingHandlerError) when the description has an operation the stub cannot answer. */
export function createApp(deps: AppDeps): Express {
  const { config, tokens, chat, description } = deps;
  // First, so that a description the stub cannot serve stops it before anything is set up.
  const operations = operationRoutes(description.operations, chatApiHandlers(chat, () => config.longPollMs));
  const app = express();
  // No X-Powered-By, and no ETag: hashing every JSON body costs throughput and the API has no caching.
  app.disable('x-powered-by');
  app.set('etag', false);

  // What every request passes first, as one router layer (each layer costs a match and a dispatch).
  app.use(inSequence([cors, rejectLongRequestTargets(deps.limits), rejectMalformedEscapes(), ...(deps.logRequest ? [requestLogger(deps.logRequest)] : [])]));

  // The Chat API first: it is the hot path, and its requests then pass no other layer. Body parser,
  // validator (which reads req.body) and the dispatch to the matched operation run as one layer
  // mounted at the API's base: each router layer, and a nested router most of all, costs a match
  // and a dispatch on every request.
  const dispatch = dispatchOperations(operations.routes, (req, res) => {
    const token = tokens.match(String(req.params.token));
    if (token === undefined) return Errors.unknownToken();
    res.locals.token = token;
    return undefined;
  });
  app.use(operations.base, inSequence([jsonBody(BODY_LIMIT_BYTES), ...validatorMiddleware(deps.chatApiSpec, { validateResponses: config.validateResponses }), dispatch]));

  app.use(staticRoutes(tokens.tokens, deps.control.yaml));
  app.use('/_stub', controlRouter({ ...deps.control, chat, validateResponses: config.validateResponses, longPollMs: () => config.longPollMs }));

  app.use((req, _res, next) => next(Errors.routeNotFound(req.method, req.path)));
  app.use(errorHandler(deps.logError));
  return app;
}
