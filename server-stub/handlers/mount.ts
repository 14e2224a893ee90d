// Registration: every operation of the description's paths is answered by the handler of its
// operationId, dispatched by the validator's match. An operation without a handler stops the stub at
// start-up, named; nothing about an operation is looked up per request.
import type { Request, RequestHandler, Response } from 'express';
import { describeOperation, type OperationSpec } from '../../description/operations.js';
import { exactlyOneOf } from './exactly-one-of.js';
import type { ControlHandlerTable, HandlerTable } from './types.js';

/** A description the stub cannot serve (it stops at start-up with this message). */
export class DescriptionError extends Error {
  override name = 'DescriptionError';
}

/** The description has an operation the stub has no handler for. */
export class MissingHandlerError extends DescriptionError {
  override name = 'MissingHandlerError';
  constructor(readonly operations: readonly OperationSpec[]) {
    super(`the description has ${operations.length === 1 ? 'an operation' : 'operations'} the stub has no handler for: ${operations.map(describeOperation).join(', ')}`);
  }
}

interface Answer {
  status: number;
  body?: unknown;
}

/** A handler with its types erased: requests reach it validated against the description it was typed from. */
type AnyHandler = (input: { token: string; path: unknown; query: unknown; body: unknown; signal: AbortSignal }) => Answer | Promise<Answer>;

export interface OperationRoute {
  operation: OperationSpec;
  handler: RequestHandler;
}

export interface OperationRoutes {
  /** The first path segment all operations share (`/chatapi`), where their router is mounted. */
  base: string;
  routes: OperationRoute[];
}

/** Aborted when the response closes: the client went away, or the answer has been sent. */
function closeSignal(res: Response): AbortSignal {
  const controller = new AbortController();
  if (res.destroyed) controller.abort();
  else res.once('close', () => controller.abort());
  return controller.signal;
}

function send(res: Response, answer: Answer): void {
  // A long poll answered after its client went away has no one to answer.
  if (res.writableEnded || res.destroyed) return;
  res.status(answer.status);
  if (answer.body === undefined) res.end();
  else res.json(answer.body);
}

/**
 * A handler's input. A class, not an object literal with a getter: on the hot path its shape is
 * fixed and nothing is allocated for the signal, which is made only for the handlers that read it
 * (the long poll).
 */
class Input {
  private closeSignal?: AbortSignal;
  readonly token: string;
  readonly path: unknown;
  readonly query: unknown;
  readonly body: unknown;

  constructor(
    req: Request,
    private readonly res: Response,
  ) {
    this.token = res.locals.token as string;
    this.path = req.params;
    this.query = req.query;
    this.body = req.body;
  }

  get signal(): AbortSignal {
    return (this.closeSignal ??= closeSignal(this.res));
  }
}

function requestHandler(handler: AnyHandler, check?: (query: Record<string, unknown>) => void): RequestHandler {
  return (req: Request, res: Response) => {
    if (check) check(req.query);
    const answer = handler(new Input(req, res));
    // Express 5 passes a rejected promise to the error handler, as it does a thrown StubError.
    if (answer instanceof Promise) return answer.then((settled) => send(res, settled));
    send(res, answer);
  };
}

function baseOf(operations: readonly OperationSpec[]): string {
  const firsts = new Set(operations.map((op) => op.path.split('/')[1] ?? ''));
  const [first] = firsts;
  if (firsts.size !== 1 || first === undefined || first === '' || first.includes('{')) {
    // Mounted at the root, the validator would answer every path of the stub (its pages, the control API).
    throw new DescriptionError(`the description's paths must all start with one literal segment (such as /chatapi); they start with ${[...firsts].map((s) => `/${s}`).join(', ')}`);
  }
  return `/${first}`;
}

/** The routes of a description's path operations (the Chat API's, or the control API's); throws MissingHandlerError if any has no handler. */
export function operationRoutes(operations: readonly OperationSpec[], handlers: HandlerTable | ControlHandlerTable): OperationRoutes {
  const served = operations.filter((op) => op.kind === 'path');
  const byId = handlers as unknown as Record<string, AnyHandler>;
  const missing = served.filter((op) => !Object.hasOwn(byId, op.operationId));
  if (missing.length > 0) throw new MissingHandlerError(missing);
  const base = baseOf(served);
  return {
    base,
    routes: served.map((operation) => ({
      operation,
      handler: requestHandler(byId[operation.operationId]!, operation.exactlyOneOf && exactlyOneOf(operation.exactlyOneOf)),
    })),
  };
}

/** What express-openapi-validator's metadata middleware leaves on a request whose path and method it matched. */
interface MatchedRequest {
  openapi?: { schema?: { operationId?: string }; pathParams: Record<string, string> };
}

/**
 * One layer that answers each request by the operation the validator matched, in the validator's
 * chain (Prism's route → validate → answer): the path is routed once, by the validator, instead of
 * again by the router testing every operation's path. A request the validator matched to no
 * operation passes on (to the not-found handler). `guard` runs first and may refuse the request
 * (the Chat API's token check); it runs after request validation, so that a malformed request is
 * reported as such whatever its token.
 */
export function dispatchOperations(routes: readonly OperationRoute[], guard?: (req: Request, res: Response) => Error | undefined): RequestHandler {
  const byOperationId = new Map(routes.map((route) => [route.operation.operationId, route.handler]));
  return (req, res, next) => {
    const matched = (req as MatchedRequest).openapi;
    const handler = matched?.schema?.operationId === undefined ? undefined : byOperationId.get(matched.schema.operationId);
    if (handler === undefined) return next();
    // The router gives each layer its own (here empty) params: the operation's are the validator's, decoded and coerced.
    req.params = matched!.pathParams;
    const refused = guard?.(req, res);
    if (refused) return next(refused);
    return handler(req, res, next);
  };
}
