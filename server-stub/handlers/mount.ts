// Registration: every operation of the description's paths is mounted at its path, with its method,
// and answered by the handler of its operationId. An operation without a handler stops the stub at
// start-up, named; nothing about an operation is looked up per request.
import type { Request, RequestHandler, Response, Router } from 'express';
import { describeOperation, HTTP_METHODS, type OperationSpec } from '../../description/operations.js';
import { exactlyOneOf } from './exactly-one-of.js';
import { expressPath } from './express-path.js';
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

type Method = (typeof HTTP_METHODS)[number];

interface Answer {
  status: number;
  body?: unknown;
}

/** A handler with its types erased: requests reach it validated against the description it was typed from. */
type AnyHandler = (input: { token: string; path: unknown; query: unknown; body: unknown; signal: AbortSignal }) => Answer | Promise<Answer>;

export interface OperationRoute {
  operation: OperationSpec;
  method: Method;
  /** The Express path, relative to the mount point. */
  path: string;
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
      // describeOperations yields only the HTTP methods it knows.
      method: operation.method as Method,
      path: expressPath(operation.path.slice(base.length)) || '/',
      handler: requestHandler(byId[operation.operationId]!, operation.exactlyOneOf && exactlyOneOf(operation.exactlyOneOf)),
    })),
  };
}

export function mountRoutes(router: Router, routes: readonly OperationRoute[]): void {
  for (const { method, path, handler } of routes) router.route(path)[method](handler);
}
