// Handler types from generated operation types: one handler per operationId, with its inputs (path,
// query, body) and the answers its documented success responses allow. A handler that answers an
// undocumented status or body shape, or a table without some operation, fails tsc. Made for the Chat
// API (generated/chatapi.ts) and the stub's control API (generated/control-api.ts) alike.
import type { operations, paths } from '../../generated/chatapi.js';
import type { operations as controlOperations, paths as controlPaths } from '../../generated/control-api.js';

type Method = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';

/** Exact type equality (mutual assignability is too loose for telling operations apart). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** The operation types under `paths`: what a server answers (the stub sends webhooks, never receives them). */
type PathOperation<Paths> = Exclude<{ [P in keyof Paths]: { [M in Method]: M extends keyof Paths[P] ? Paths[P][M] : never }[Method] }[keyof Paths], undefined>;

type IdOf<Ops, Op> = { [Id in keyof Ops]: Same<Ops[Id], Op> extends true ? Id : never }[keyof Ops];

/** The operationIds of a description's paths. */
export type OperationIdOf<Paths, Ops> = PathOperation<Paths> extends infer Op ? (Op extends unknown ? IdOf<Ops, Op> : never) : never;

/** The operationIds the stub answers: every operation of the Chat API description's paths. */
export type OperationId = OperationIdOf<paths, operations>;

type ParametersOf<Op> = Op extends { parameters: infer P } ? P : never;
/** Nothing to give: an empty object rather than `never`, so that handlers can still destructure. */
type OrEmpty<T> = [T] extends [never] ? Record<string, never> : T;
type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : undefined;
type PathOf<Op> = NonNullable<ParametersOf<Op> extends { path?: infer P } ? P : never>;

interface Input<Op> {
  /** The query, as the validator left it: coerced to the schemas' types, defaults applied. */
  query: OrEmpty<NonNullable<ParametersOf<Op> extends { query?: infer Q } ? Q : never>>;
  /** The validated JSON body. */
  body: JsonOf<Op extends { requestBody?: infer B } ? NonNullable<B> : never>;
  /** Aborted when the client goes away (a long poll then drops its waiter). */
  signal: AbortSignal;
}

/** A Chat API handler's input: the channel's token comes checked, apart from the other path parameters. */
export interface HandlerInput<Id extends OperationId> extends Input<operations[Id]> {
  /** The configured channel token the request was authorised with (unknown tokens never get here). */
  token: string;
  /** The other path parameters, decoded. */
  path: OrEmpty<Omit<PathOf<operations[Id]>, 'token'>>;
}

/**
 * What a handler answers: a documented 2xx status with its JSON body. Error statuses are not
 * answered here but thrown as StubErrors, so that the one error handler shapes every error body.
 */
export type AnswerOf<Op> = Op extends { responses: infer Responses }
  ? {
      [Status in keyof Responses]: Status extends number ? (`${Status}` extends `2${string}` ? { status: Status; body: JsonOf<Responses[Status]> } : never) : never;
    }[keyof Responses]
  : never;

export type Answer<Id extends OperationId> = AnswerOf<operations[Id]>;

export type Handler<Id extends OperationId> = (input: HandlerInput<Id>) => Answer<Id> | Promise<Answer<Id>>;

/** Every operation of the description's paths, by operationId. */
export type HandlerTable = { [Id in OperationId]: Handler<Id> };

// --- The control API (server-stub/control-api.yaml) -------------------------------------------

export type ControlOperationId = OperationIdOf<controlPaths, controlOperations>;

/** A control API handler's input: every path parameter (the token included: the handler checks the channel). */
export interface ControlHandlerInput<Id extends ControlOperationId> extends Input<controlOperations[Id]> {
  path: OrEmpty<PathOf<controlOperations[Id]>>;
}

export type ControlHandler<Id extends ControlOperationId> = (input: ControlHandlerInput<Id>) => AnswerOf<controlOperations[Id]> | Promise<AnswerOf<controlOperations[Id]>>;

/** Every operation of the control API, by operationId. */
export type ControlHandlerTable = { [Id in ControlOperationId]: ControlHandler<Id> };

/** A control API schema, as generated. */
export type ControlSchema<Name extends keyof import('../../generated/control-api.js').components['schemas']> = import('../../generated/control-api.js').components['schemas'][Name];
