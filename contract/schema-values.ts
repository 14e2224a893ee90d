// Values drawn from the description's schemas for the coverage and fuzz phases: deterministic
// boundary values (at and just past each limit, every enum value and one outside, each type
// replaced by the others, non-ASCII text, empty strings) and fast-check arbitraries. Which values
// are valid is never decided here: the phases ask Ajv, so a label is only a guess at the polarity.
import fc from 'fast-check';
import type { OpenApiDocument } from '../description/bundle.js';
import { resolve, type Obj } from '../description/pointer.js';

/** A schema with its local `$ref`s followed; the keywords next to a `$ref` (OpenAPI 3.1) are kept. */
export function flatten(document: OpenApiDocument, schema: unknown): Obj {
  if (!schema || typeof schema !== 'object') return {};
  const { $ref, ...siblings } = schema as Obj;
  if (typeof $ref !== 'string') return schema as Obj;
  return { ...flatten(document, resolve(document, { $ref }, $ref).value), ...siblings };
}

/**
 * The string form of an id schema (`anyOf: [string, integer]` for a clientId): a run only ever sends
 * its own ids, which are strings; a number could be someone else's client.
 */
export function stringForm(document: OpenApiDocument, schema: Obj): Obj {
  const branches = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (!branches) return schema;
  const text = branches.map((b) => flatten(document, b)).find((b) => typeOf(b) === 'string');
  return text ?? schema;
}

/** The schema's type, when it names one (the first of a type list). */
export function typeOf(schema: Obj): string | undefined {
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(schema.type)) return schema.type.find((t): t is string => typeof t === 'string' && t !== 'null');
  if (schema.enum && Array.isArray(schema.enum)) return typeof schema.enum[0];
  return undefined;
}

export interface Labelled {
  label: string;
  value: unknown;
}

/** Text that real clients send and naive servers break on: accents, CJK, emoji, RTL, a combining mark. */
export const NON_ASCII = 'héllo wörld ✓ 日本語 👍🏽 مرحبا é';
/** Characters with a meaning in URLs and forms. */
export const RESERVED = 'a b&c=d?e#f+g%h/i';

const repeat = (length: number) => 'a'.repeat(Math.max(0, length));
/** The longest string the coverage phase sends: a limit of 100k is checked at 100k, not beyond. */
const MAX_SENT_LENGTH = 100_000;

function stringValues(schema: Obj, prefix: string): Labelled[] {
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : undefined;
  // A clientId must stay one of the run's own: every value starts with the run's prefix.
  const make = (length: number) => (length < prefix.length ? (length === 0 ? '' : undefined) : prefix + repeat(length - prefix.length));
  const values: Array<Labelled | undefined> = [];
  if (Array.isArray(schema.enum)) {
    for (const value of schema.enum) values.push({ label: `enum value ${JSON.stringify(value)}`, value });
    values.push({ label: 'a value outside the enum', value: `${prefix}not-in-the-enum` });
    return values.filter((v): v is Labelled => v !== undefined);
  }
  const at = (label: string, length: number) => {
    const value = make(length);
    if (value !== undefined && length <= MAX_SENT_LENGTH) values.push({ label, value });
  };
  at(`the minimum length (${min})`, Math.max(min, prefix.length ? prefix.length + 1 : min));
  if (min > 0) at(`shorter than the minimum (${min - 1})`, min - 1);
  if (max !== undefined) {
    at(`the maximum length (${max})`, max);
    at(`longer than the maximum (${max + 1})`, max + 1);
    at(`much longer than the maximum (${max * 20})`, max * 20);
  } else at('a long string (5000)', 5000);
  values.push({ label: 'an empty string', value: '' });
  values.push({ label: 'non-ASCII text', value: clip(prefix + NON_ASCII, max) });
  values.push({ label: 'reserved URL characters', value: clip(prefix + RESERVED, max) });
  if (typeof schema.pattern === 'string') values.push({ label: `a value breaking the pattern ${schema.pattern}`, value: `${prefix}/\n` });
  const format = schema.format;
  if (format === 'date-time') values.push({ label: 'a date-time', value: '2026-01-02T03:04:05Z' }, { label: 'not a date-time', value: 'yesterday' });
  if (format === 'uri') values.push({ label: 'a URI', value: 'https://example.org/a?b=c' }, { label: 'not a URI', value: 'not a uri' });
  if (format === 'email') values.push({ label: 'an email', value: 'a@example.org' }, { label: 'not an email', value: 'not-an-email' });
  return values.filter((v): v is Labelled => v !== undefined);
}

function clip(text: string, max: number | undefined): string {
  return max === undefined ? text : [...text].slice(0, max).join('');
}

function numberValues(schema: Obj, integer: boolean): Labelled[] {
  const values: Labelled[] = [];
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  const exMin = typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : undefined;
  const exMax = typeof schema.exclusiveMaximum === 'number' ? schema.exclusiveMaximum : undefined;
  const step = integer ? 1 : 0.5;
  if (min !== undefined) values.push({ label: `the minimum (${min})`, value: min }, { label: `below the minimum (${min - step})`, value: min - step });
  if (exMin !== undefined) values.push({ label: `just above the exclusive minimum (${exMin + step})`, value: exMin + step }, { label: `the exclusive minimum (${exMin})`, value: exMin });
  if (max !== undefined) values.push({ label: `the maximum (${max})`, value: max }, { label: `above the maximum`, value: max >= Number.MAX_SAFE_INTEGER ? 2 ** 53 + 2 : max + step });
  if (exMax !== undefined) values.push({ label: `the exclusive maximum (${exMax})`, value: exMax });
  if (integer) {
    values.push({ label: 'a fractional number', value: (min ?? exMin ?? 0) + 1.5 });
    if (schema.format === 'int64' || max === undefined) values.push({ label: 'the largest safe integer (2^53 - 1)', value: Number.MAX_SAFE_INTEGER }, { label: 'past the int64 range (2^63)', value: 9223372036854775808n });
    if (schema.format === 'int32') values.push({ label: 'past the int32 range (2^31)', value: 2 ** 31 });
  }
  values.push({ label: 'zero', value: 0 }, { label: 'a negative number', value: -1 });
  return values;
}

/** Each type replaced by the others. */
function wrongTypes(type: string | undefined, prefix: string): Labelled[] {
  const all: Labelled[] = [
    { label: 'a string instead', value: `${prefix}text` },
    { label: 'a number instead', value: 42 },
    { label: 'a boolean instead', value: true },
    { label: 'null instead', value: null },
    { label: 'an array instead', value: [`${prefix}item`] },
    { label: 'an object instead', value: { value: `${prefix}item` } },
  ];
  const skip: Record<string, string[]> = { string: ['a string instead'], integer: ['a number instead'], number: ['a number instead'], boolean: ['a boolean instead'], array: ['an array instead'], object: ['an object instead'] };
  // A clientId of another type could name someone else's client (12345): only wrap the run's own.
  const safe = prefix ? all.filter((v) => v.label === 'an array instead' || v.label === 'null instead' || v.label === 'an object instead') : all;
  return safe.filter((v) => !(skip[type ?? '']?.includes(v.label) ?? false));
}

/** Boundary values of a scalar schema, valid and invalid (Ajv decides which is which). */
export function boundaryValues(document: OpenApiDocument, rawSchema: unknown, options: { prefix?: string } = {}): Labelled[] {
  const prefix = options.prefix ?? '';
  const schema = prefix ? stringForm(document, flatten(document, rawSchema)) : flatten(document, rawSchema);
  const type = typeOf(schema);
  const values: Labelled[] = [];
  if (type === 'string') values.push(...stringValues(schema, prefix));
  else if (type === 'integer' || type === 'number') values.push(...numberValues(schema, type === 'integer'));
  else if (type === 'boolean') values.push({ label: 'true', value: true }, { label: 'false', value: false });
  if (Array.isArray(schema.enum) && type !== 'string') {
    for (const value of schema.enum) values.push({ label: `enum value ${JSON.stringify(value)}`, value });
  }
  values.push(...wrongTypes(type, prefix));
  return values;
}

/**
 * How a query or path parameter's text is read, as an OpenAPI server reads it: integers and numbers
 * from decimal text, booleans from `true`/`false`. Undefined when the text is not of the type.
 */
export function parseParameter(schema: Obj, text: string): unknown {
  const type = typeOf(schema);
  if (type === 'integer') {
    if (!/^-?\d+$/.test(text)) return undefined;
    const big = BigInt(text);
    return big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER) ? big : Number(text);
  }
  if (type === 'number') return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : undefined;
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : undefined;
  return text;
}

/** A parameter value as text on the wire. */
export function parameterText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}

/**
 * Whether a parameter's text is valid against its schema. Integers past the safe range are judged
 * by their exact value against `format: int64` and `maximum` (Ajv sees only doubles).
 */
export function parameterValid(schema: Obj, text: string, validate: (value: unknown) => boolean): boolean {
  const parsed = parseParameter(schema, text);
  if (parsed === undefined) return false;
  if (typeof parsed === 'bigint') {
    const max = typeof schema.maximum === 'number' ? BigInt(schema.maximum) : schema.format === 'int64' ? 2n ** 63n - 1n : undefined;
    const min = typeof schema.minimum === 'number' ? BigInt(schema.minimum) : schema.format === 'int64' ? -(2n ** 63n) : undefined;
    return (max === undefined || parsed <= max) && (min === undefined || parsed >= min);
  }
  return validate(parsed);
}

// ---------------------------------------------------------------------------------------------
// fast-check arbitraries

const unusualText = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constantFrom(NON_ASCII, RESERVED, ' ', '%', '%E0%A4%A', '\u0000', '../..', '<script>') },
);

function stringArbitrary(schema: Obj, prefix: string): fc.Arbitrary<string> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as string[]));
  if (typeof schema.const === 'string') return fc.constant(schema.const);
  const min = Math.max(0, (typeof schema.minLength === 'number' ? schema.minLength : 0) - prefix.length);
  const max = typeof schema.maxLength === 'number' ? schema.maxLength - prefix.length : undefined;
  if (max !== undefined && max < 0) return fc.constant(prefix);
  if (schema.format === 'date-time') return fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4102444800000) }).map((d) => d.toISOString());
  if (schema.format === 'uri') return fc.webUrl();
  if (schema.format === 'email') return fc.emailAddress();
  const short = unusualText.filter((s) => [...s].length >= min && (max === undefined || s.length <= max));
  const long = fc.integer({ min, max: Math.min(max ?? 5000, 5000) }).map(repeat);
  return fc.oneof({ weight: 5, arbitrary: short }, { weight: 1, arbitrary: long }).map((s) => prefix + s);
}

function numberArbitrary(schema: Obj, integer: boolean): fc.Arbitrary<number> {
  const bound = (key: string) => (typeof schema[key] === 'number' ? (schema[key] as number) : undefined);
  const exMin = bound('exclusiveMinimum');
  const exMax = bound('exclusiveMaximum');
  const step = integer ? 1 : Number.EPSILON;
  const min = bound('minimum') ?? (exMin !== undefined ? exMin + step : integer ? Number.MIN_SAFE_INTEGER : -1e15);
  const max = bound('maximum') ?? (exMax !== undefined ? exMax - step : integer ? Number.MAX_SAFE_INTEGER : 1e15);
  if (!integer) return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  // Small values are the common case; values near the bounds are where servers break.
  return fc.oneof(fc.integer({ min: Math.max(min, -1000), max: Math.min(max, 1000) }), fc.constantFrom(min, max), fc.maxSafeInteger().filter((n) => n >= min && n <= max));
}

export interface ArbitraryOptions {
  /** Property names whose string values must start with the run's prefix (clientId). */
  ownIds: ReadonlySet<string>;
  prefix: string;
  depth?: number;
}

/** An arbitrary of values shaped by the schema (not always valid: the caller filters with Ajv). */
export function schemaArbitrary(document: OpenApiDocument, rawSchema: unknown, options: ArbitraryOptions, name = ''): fc.Arbitrary<unknown> {
  const prefix = options.ownIds.has(name) ? options.prefix : '';
  const schema = prefix ? stringForm(document, flatten(document, rawSchema)) : flatten(document, rawSchema);
  const depth = options.depth ?? 0;
  const nested = { ...options, depth: depth + 1 };
  for (const key of ['oneOf', 'anyOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches) && branches.length > 0) {
      const { [key]: _dropped, ...rest } = schema;
      return fc.oneof(...branches.map((branch) => schemaArbitrary(document, { allOf: [rest, branch] }, options, name)));
    }
  }
  if (Array.isArray(schema.allOf)) return schemaArbitrary(document, mergeAll(document, schema), options, name);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const type = typeOf(schema);
  if (type === 'string') return stringArbitrary(schema, prefix);
  if (type === 'integer' || type === 'number') return numberArbitrary(schema, type === 'integer');
  if (type === 'boolean') return fc.boolean();
  if (type === 'null') return fc.constant(null);
  if (type === 'array') {
    const items = depth > 4 ? fc.constant(null) : schemaArbitrary(document, schema.items ?? {}, nested);
    const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0;
    const maxLength = Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 5, minLength + 5);
    return fc.array(items, { minLength, maxLength });
  }
  if (type === 'object' || schema.properties) {
    const properties = (schema.properties ?? {}) as Obj;
    const required = new Set((schema.required ?? []) as string[]);
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, child] of Object.entries(properties)) record[key] = depth > 4 ? fc.constant(null) : schemaArbitrary(document, child, nested, key);
    const known = fc.record(record, { requiredKeys: [...required].filter((key) => key in record) });
    if (schema.additionalProperties === false || depth > 2) return known;
    const extra = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !(k in properties)), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean()), { maxKeys: 2 });
    return fc.tuple(known, extra).map(([a, b]) => ({ ...b, ...a }));
  }
  return fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));
}

/** allOf members merged into one object schema (properties and required joined). */
function mergeAll(document: OpenApiDocument, schema: Obj): Obj {
  const { allOf, ...rest } = schema;
  const merged: Obj = { ...rest };
  for (const member of allOf as unknown[]) {
    const part = flatten(document, member);
    const flat = Array.isArray(part.allOf) ? mergeAll(document, part) : part;
    for (const [key, value] of Object.entries(flat)) {
      if (key === 'properties') merged.properties = { ...(merged.properties as Obj | undefined), ...(value as Obj) };
      else if (key === 'required') merged.required = [...new Set([...((merged.required ?? []) as string[]), ...(value as string[])])];
      else if (!(key in merged)) merged[key] = value;
    }
  }
  return merged;
}

/** The value's properties, after following allOf, for an object schema (the body's top level). */
export function objectProperties(document: OpenApiDocument, rawSchema: unknown): { properties: Obj; required: string[] } {
  let schema = flatten(document, rawSchema);
  if (Array.isArray(schema.allOf)) schema = mergeAll(document, schema);
  const branches = (schema.oneOf ?? schema.anyOf) as unknown[] | undefined;
  const properties: Obj = { ...((schema.properties ?? {}) as Obj) };
  const required = new Set((schema.required ?? []) as string[]);
  for (const branch of branches ?? []) {
    const part = objectProperties(document, branch);
    Object.assign(properties, part.properties);
  }
  return { properties, required: [...required] };
}

/** The branches of a top-level oneOf (or anyOf), flattened. */
export function branchesOf(document: OpenApiDocument, rawSchema: unknown): Obj[] {
  const schema = flatten(document, rawSchema);
  const branches = (schema.oneOf ?? schema.anyOf) as unknown[] | undefined;
  return (branches ?? []).map((branch) => mergeAll(document, { allOf: [branch] }));
}
