// The one walk over the description's schemas for the request generators. Schemas come from the
// dereferenced description (json-schema-ref-parser: no `$ref` left, `$ref` siblings merged), so
// nothing here follows references; `allOf` is merged in one place, `mergeAllOf`.
import type { Obj } from '../../../description/pointer.js';

/** The schema's type, when it names one (the first non-null of a type list; an enum's first value's). */
export function typeOf(schema: Obj): string | undefined {
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(schema.type)) return schema.type.find((t): t is string => typeof t === 'string' && t !== 'null');
  if (Array.isArray(schema.enum)) return schema.enum[0] === null ? 'null' : typeof schema.enum[0];
  if (schema.properties) return 'object';
  return undefined;
}

export const asSchema = (value: unknown): Obj => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : {});

/** `allOf` members merged into one schema: properties and required joined, the first word on anything else. */
export function mergeAllOf(schema: Obj): Obj {
  if (!Array.isArray(schema.allOf)) return schema;
  const { allOf, ...rest } = schema;
  const merged: Obj = { ...rest };
  for (const member of allOf as unknown[]) {
    for (const [key, value] of Object.entries(mergeAllOf(asSchema(member)))) {
      if (key === 'properties') merged.properties = { ...(merged.properties as Obj | undefined), ...(value as Obj) };
      else if (key === 'required') merged.required = [...new Set([...((merged.required ?? []) as string[]), ...(value as string[])])];
      else if (!(key in merged)) merged[key] = value;
    }
  }
  return merged;
}

/** The branches of a schema's `oneOf` (or `anyOf`), each merged with what stands beside it. */
export function branchesOf(schema: Obj): Obj[] {
  const flat = mergeAllOf(schema);
  const key = Array.isArray(flat.oneOf) ? 'oneOf' : Array.isArray(flat.anyOf) ? 'anyOf' : undefined;
  if (!key) return [];
  const { [key]: branches, ...rest } = flat;
  return (branches as unknown[]).map((branch) => mergeAllOf({ allOf: [rest, asSchema(branch)] }));
}

/** Every property an object schema may have (its own and its branches'), and the ones always required. */
export function objectProperties(schema: Obj): { properties: Obj; required: string[] } {
  const flat = mergeAllOf(schema);
  const properties: Obj = { ...((flat.properties ?? {}) as Obj) };
  for (const branch of branchesOf(flat)) Object.assign(properties, objectProperties(branch).properties);
  return { properties, required: [...((flat.required ?? []) as string[])] };
}

/**
 * The string form of an id schema (`anyOf: [string, integer]` for a clientId): a run only ever sends
 * its own ids, which are strings; a number could be someone else's.
 */
export function stringForm(schema: Obj): Obj {
  const text = branchesOf(schema).find((b) => typeOf(b) === 'string');
  return text ?? mergeAllOf(schema);
}
