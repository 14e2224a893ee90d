// The Chat API's handlers as the generated types describe them: one per operationId, with its
// inputs (path, query, body) and the answers its documented success responses allow. A handler
// that answers an undocumented status or body shape, or a table without some operation, fails tsc.
import type { operations, paths } from '../../generated/chatapi.js';

type Method = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';

/** Exact type equality (mutual assignability is too loose for telling operations apart). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** The operation types under `paths`: what the stub serves (it sends the webhook, never receives it). */
type PathOperation = Exclude<{ [P in keyof paths]: { [M in Method]: paths[P][M] }[Method] }[keyof paths], undefined>;

type IdOf<Op> = { [Id in keyof operations]: Same<operations[Id], Op> extends true ? Id : never }[keyof operations];

/** The operationIds the stub answers: every operation of the description's paths. */
export type OperationId = PathOperation extends infer Op ? (Op extends unknown ? IdOf<Op> : never) : never;

type Parameters<Id extends OperationId> = operations[Id]['parameters'];
/** Nothing to give: an empty object rather than `never`, so that handlers can still destructure. */
type OrEmpty<T> = [T] extends [never] ? Record<string, never> : T;
type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : undefined;

export interface HandlerInput<Id extends OperationId> {
  /** The configured channel token the request was authorised with (unknown tokens never get here). */
  token: string;
  /** The other path parameters, decoded. */
  path: OrEmpty<Omit<NonNullable<Parameters<Id>['path']>, 'token'>>;
  /** The query, as the validator left it: coerced to the schemas' types, defaults applied. */
  query: OrEmpty<NonNullable<Parameters<Id>['query']>>;
  /** The validated JSON body. */
  body: JsonOf<operations[Id]['requestBody']>;
  /** Aborted when the client goes away (a long poll then drops its waiter). */
  signal: AbortSignal;
}

type Responses<Id extends OperationId> = operations[Id]['responses'];

/**
 * What a handler answers: a documented 2xx status with its JSON body. Error statuses are not
 * answered here but thrown as StubErrors, so that the one error handler shapes every error body.
 */
export type Answer<Id extends OperationId> = {
  [Status in keyof Responses<Id>]: Status extends number
    ? `${Status}` extends `2${string}`
      ? { status: Status; body: JsonOf<Responses<Id>[Status]> }
      : never
    : never;
}[keyof Responses<Id>];

export type Handler<Id extends OperationId> = (input: HandlerInput<Id>) => Answer<Id> | Promise<Answer<Id>>;

/** Every operation of the description's paths, by operationId. */
export type HandlerTable = { [Id in OperationId]: Handler<Id> };
