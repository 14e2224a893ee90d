// Small helpers shared by the routes.
import type { RequestHandler } from 'express';
import { Errors } from '../errors.js';

/** A handler for the other methods of a route: 405 with Allow (HEAD comes with GET in Express). */
export function allowOnly(...methods: string[]): RequestHandler {
  const allow = methods.join(', ');
  return (req, _res, next) => next(Errors.methodNotAllowed(req.method, allow));
}

/**
 * Query values after validation, as strings. The validator coerces them in place (booleans,
 * integers), so they are read back with String() whatever it left there.
 */
export function queryOf(req: { query: unknown }): Record<string, string | undefined> {
  const query: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(req.query as Record<string, unknown>)) {
    if (value !== undefined) query[key] = String(value);
  }
  return query;
}

export const optionalInteger = (value: string | undefined): number | undefined => (value === undefined ? undefined : Number(value));
