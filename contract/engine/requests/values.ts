// Values drawn from (dereferenced) schemas for the request generators: deterministic boundary values
// for the coverage phase (at and just past each limit, in ASCII and in multi-byte, astral and
// combining text, every enum value and one outside, each type replaced by the others, empty
// strings) and fast-check arbitraries for every generated request. Whether a value is valid is
// never decided here: the phases ask Ajv, so a label is only a guess at the polarity.
import fc from 'fast-check';
import type { Obj } from '../../../description/pointer.js';
import { asSchema, branchesOf, mergeAllOf, stringForm, typeOf } from './schema-walk.js';

export interface Labelled {
  label: string;
  value: unknown;
}

/** Text that real clients send and naive servers break on: accents, CJK, emoji, RTL, a combining mark. */
export const NON_ASCII = 'héllo wörld ✓ 日本語 👍🏽 مرحبا é';
/** Characters with a meaning in URLs and forms. */
export const RESERVED = 'a b&c=d?e#f+g%h/i';

/**
 * Characters of every UTF-8 width, each one code point (JSON Schema counts code points): a string
 * of n of them is exactly n long for `maxLength`, and 2 to 4 bytes per character on the wire.
 */
const WIDE = { 'two-byte (é)': 'é', 'three-byte (日)': '日', 'astral (😀)': '😀' } as const;
/** A letter and a combining mark: two code points that show as one character. */
const COMBINING = 'e\u0301';

const repeat = (length: number, unit = 'a') => unit.repeat(Math.max(0, length));
/** The longest string the coverage phase sends: a limit of 100k is checked at 100k, not beyond. */
const MAX_SENT_LENGTH = 100_000;

function stringValues(schema: Obj, prefix: string): Labelled[] {
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : undefined;
  // An owned id must stay one of the run's own: every value starts with the run's prefix.
  const make = (length: number, unit = 'a') => (length < prefix.length ? (length === 0 ? '' : undefined) : prefix + repeat(length - prefix.length, unit));
  const values: Array<Labelled | undefined> = [];
  if (Array.isArray(schema.enum)) {
    for (const value of schema.enum) values.push({ label: `enum value ${JSON.stringify(value)}`, value });
    values.push({ label: 'a value outside the enum', value: `${prefix}not-in-the-enum` });
    return values.filter((v): v is Labelled => v !== undefined);
  }
  const at = (label: string, length: number, unit?: string) => {
    const value = make(length, unit);
    if (value !== undefined && length <= MAX_SENT_LENGTH) values.push({ label, value });
  };
  at(`the minimum length (${min})`, Math.max(min, prefix.length ? prefix.length + 1 : min));
  if (min > 0) at(`shorter than the minimum (${min - 1})`, min - 1);
  if (max !== undefined) {
    at(`the maximum length (${max})`, max);
    for (const [name, unit] of Object.entries(WIDE)) at(`the maximum length (${max}) in ${name} characters`, max, unit);
    // Pairs of a letter and a combining mark, plus one letter when the room is odd.
    const room = max - prefix.length;
    if (room >= 0 && max <= MAX_SENT_LENGTH) {
      values.push({ label: `the maximum length (${max}) with combining marks`, value: prefix + repeat(Math.floor(room / 2), COMBINING) + (room % 2 ? 'e' : '') });
    }
    at(`longer than the maximum (${max + 1})`, max + 1);
    at(`longer than the maximum (${max + 1}) in astral (😀) characters`, max + 1, WIDE['astral (😀)']);
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

/** The first `max` code points of `text`. */
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
  // An owned id of another type could name someone else's (12345): only wrap the run's own.
  const safe = prefix ? all.filter((v) => v.label === 'an array instead' || v.label === 'null instead' || v.label === 'an object instead') : all;
  return safe.filter((v) => !(skip[type ?? '']?.includes(v.label) ?? false));
}

/** Boundary values of a scalar schema, valid and invalid (Ajv decides which is which). `prefix`: an owned id's. */
export function boundaryValues(rawSchema: Obj, options: { prefix?: string } = {}): Labelled[] {
  const prefix = options.prefix ?? '';
  const schema = prefix ? stringForm(rawSchema) : mergeAllOf(rawSchema);
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

// ---------------------------------------------------------------------------------------------
// fast-check arbitraries: the one generator of every phase.

const unusualText = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constantFrom(NON_ASCII, RESERVED, ' ', '%', '%E0%A4%A', '\u0000', '../..', '<script>') },
);

const codePoints = (text: string) => [...text].length;

function stringArbitrary(schema: Obj, prefix: string, strict: boolean): fc.Arbitrary<string> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as string[]));
  if (typeof schema.const === 'string') return fc.constant(schema.const);
  const min = Math.max(0, (typeof schema.minLength === 'number' ? schema.minLength : 0) - prefix.length);
  const max = typeof schema.maxLength === 'number' ? schema.maxLength - prefix.length : undefined;
  if (max !== undefined && max < 0) return fc.constant(prefix);
  if (schema.format === 'date-time') return fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4102444800000) }).map((d) => d.toISOString());
  if (schema.format === 'uri') return fc.webUrl();
  if (schema.format === 'email') return fc.emailAddress();
  if (typeof schema.pattern === 'string' && strict) return fc.stringMatching(new RegExp(schema.pattern)).map((s) => prefix + s);
  const cap = Math.min(max ?? 24, 24);
  const text = strict
    ? fc.string({ unit: 'grapheme', minLength: Math.min(min, cap), maxLength: Math.max(min, cap) }).filter((s) => codePoints(s) >= min && (max === undefined || codePoints(s) <= max))
    : unusualText.filter((s) => codePoints(s) >= min && (max === undefined || codePoints(s) <= max));
  const long = fc.integer({ min, max: Math.min(max ?? 5000, 5000) }).map((n) => repeat(n));
  return fc.oneof({ weight: 5, arbitrary: text }, { weight: 1, arbitrary: long }).map((s) => prefix + s);
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
  /** Property and parameter names whose string values must start with `prefix` (the run's owned ids). */
  ownedIds: ReadonlySet<string>;
  prefix: string;
  /**
   * Values that keep to the schema where a generator can (lengths, patterns, required members, no
   * extra members): for requests that must be valid. Off: the fuzz phase's wider net.
   */
  strict?: boolean;
  depth?: number;
}

/** An arbitrary of values shaped by the schema (not always valid: the caller checks with Ajv). */
export function schemaArbitrary(rawSchema: Obj, options: ArbitraryOptions, name = ''): fc.Arbitrary<unknown> {
  const prefix = options.ownedIds.has(name) ? options.prefix : '';
  const schema = prefix ? stringForm(rawSchema) : mergeAllOf(rawSchema);
  const depth = options.depth ?? 0;
  const nested = { ...options, depth: depth + 1 };
  const branches = branchesOf(schema);
  if (branches.length > 0) return fc.oneof(...branches.map((branch) => schemaArbitrary(branch, options, name)));
  if (schema.const !== undefined) return fc.constant(schema.const);
  const type = typeOf(schema);
  if (type === 'string') return stringArbitrary(schema, prefix, options.strict === true);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if (type === 'integer' || type === 'number') return numberArbitrary(schema, type === 'integer');
  if (type === 'boolean') return fc.boolean();
  if (type === 'null') return fc.constant(null);
  if (type === 'array') {
    const items = depth > 4 ? fc.constant(null) : schemaArbitrary(asSchema(schema.items), nested);
    const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0;
    const maxLength = Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 5, minLength + 5);
    return fc.array(items, { minLength, maxLength });
  }
  if (type === 'object') {
    const properties = asSchema(schema.properties);
    const required = new Set((schema.required ?? []) as string[]);
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, child] of Object.entries(properties)) record[key] = depth > 4 ? fc.constant(null) : schemaArbitrary(asSchema(child), nested, key);
    const known = fc.record(record, { requiredKeys: [...required].filter((key) => key in record) });
    if (schema.additionalProperties === false || options.strict || depth > 2) return known;
    const extra = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !(k in properties)), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean()), { maxKeys: 2 });
    return fc.tuple(known, extra).map(([a, b]) => ({ ...b, ...a }));
  }
  return fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));
}
