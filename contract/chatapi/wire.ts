// The shapes of the Chat API's responses as the checks read them, from the types generated from the
// description: ctx.json() hands a check only bodies that conform, so the documented types hold.
import type { components, operations } from '../../generated/chatapi.js';

type JsonContent<R> = R extends { content: { 'application/json': infer Body } } ? Body : never;

/** The documented 200 body of an operation. */
export type SuccessBody<Id extends keyof operations> = JsonContent<operations[Id]['responses'][200]>;

export type ChatEvent = components['schemas']['ChatEvent'];
