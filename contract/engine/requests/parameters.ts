// Parameters on the wire, as OpenAPI's `style` and `explode` say (openapi-fetch's serializers, the
// ones the typed client uses), and back: what a server reads from them, and whether that is valid.
// A value is text for a primitive (the text a client sends, so that `9223372036854775808` stays
// exact), a list of texts for an array, and texts by name for an object.
import { serializeArrayParam, serializeObjectParam } from 'openapi-fetch';
import type { Obj, ParameterSpec } from '../../../description/operations.js';
import { decodedOrUndefined } from '../../../description/percent-escapes.js';
import { asSchema, mergeAllOf, typeOf } from './schema-walk.js';

export type ParamValue = string | string[] | Record<string, string>;

/** One path segment, as the parameter's style serialises it (simple, label or matrix). */
export function pathSegment(p: Pick<ParameterSpec, 'name' | 'style' | 'explode'>, value: ParamValue): string {
  const options = { style: p.style as 'simple' | 'label' | 'matrix', explode: p.explode };
  if (Array.isArray(value)) return serializeArrayParam(p.name, value, options);
  if (typeof value === 'object') return serializeObjectParam(p.name, value, options);
  const encoded = encodeURIComponent(value);
  return p.style === 'label' ? `.${encoded}` : p.style === 'matrix' ? `;${p.name}=${encoded}` : encoded;
}

/**
 * One query parameter as `name=value` pairs joined by `&` (form, spaceDelimited, pipeDelimited,
 * deepObject). Percent-encoding, not URLSearchParams' form encoding: OpenAPI's query style counts
 * `+` among the reserved characters a strict server may refuse.
 */
export function queryPart(p: Pick<ParameterSpec, 'name' | 'style' | 'explode'>, value: ParamValue): string {
  if (Array.isArray(value)) return serializeArrayParam(p.name, value, { style: p.style as 'form' | 'spaceDelimited' | 'pipeDelimited', explode: p.explode });
  if (typeof value === 'object') return serializeObjectParam(p.name, value, { style: p.style as 'form' | 'deepObject', explode: p.explode });
  return `${encodeURIComponent(p.name)}=${encodeURIComponent(value)}`;
}

/** A header's value (simple style). */
export function headerValue(p: Pick<ParameterSpec, 'explode'>, value: ParamValue): string {
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'object') return Object.entries(value).map(([k, v]) => (p.explode ? `${k}=${v}` : `${k},${v}`)).join(',');
  return value;
}

/**
 * What a query string holds for a parameter, read as its style says; undefined when it is absent.
 * `pairs` are the decoded name/value pairs of the query string in order.
 */
export function readQueryParameter(p: ParameterSpec, pairs: ReadonlyArray<readonly [string, string]>): ParamValue | undefined {
  const type = typeOf(mergeAllOf(p.schema));
  if (type === 'object') {
    if (p.style === 'deepObject') {
      const found = pairs.filter(([name]) => name.startsWith(`${p.name}[`) && name.endsWith(']'));
      return found.length === 0 ? undefined : Object.fromEntries(found.map(([name, value]) => [name.slice(p.name.length + 1, -1), value]));
    }
    if (p.explode) {
      const known = Object.keys((mergeAllOf(p.schema).properties ?? {}) as Obj);
      const found = pairs.filter(([name]) => known.includes(name));
      return found.length === 0 ? undefined : Object.fromEntries(found);
    }
    const raw = pairs.find(([name]) => name === p.name)?.[1];
    if (raw === undefined) return undefined;
    const parts = raw.split(',');
    const object: Record<string, string> = {};
    for (let i = 0; i + 1 < parts.length; i += 2) object[parts[i]!] = parts[i + 1]!;
    return object;
  }
  const values = pairs.filter(([name]) => name === p.name).map(([, value]) => value);
  if (values.length === 0) return undefined;
  if (type === 'array') {
    if (p.explode && p.style === 'form') return values;
    const separator = p.style === 'spaceDelimited' ? ' ' : p.style === 'pipeDelimited' ? '|' : ',';
    return values.flatMap((value) => value.split(separator));
  }
  // A primitive given twice: a server reads the first (what Spring and Express do).
  return values[0];
}

/** What a path segment holds for a parameter (already matched to its place in the template). */
export function readPathParameter(p: ParameterSpec, segment: string): ParamValue {
  const type = typeOf(mergeAllOf(p.schema));
  let text = segment;
  if (p.style === 'label' && text.startsWith('.')) text = text.slice(1);
  if (p.style === 'matrix' && text.startsWith(`;${p.name}=`)) text = text.slice(p.name.length + 2);
  if (type === 'array') return text.split(p.style === 'label' && p.explode ? '.' : ',').map(decodeLeniently);
  if (type === 'object') {
    const parts = text.split(',').map(decodeLeniently);
    if (p.explode) return Object.fromEntries(parts.map((part) => part.split('=', 2) as [string, string]));
    const object: Record<string, string> = {};
    for (let i = 0; i + 1 < parts.length; i += 2) object[parts[i]!] = parts[i + 1]!;
    return object;
  }
  return decodeLeniently(text);
}

/** A path segment decoded; a malformed percent escape is kept as written (the server will refuse it). */
export function decodeLeniently(segment: string): string {
  return decodedOrUndefined(segment) ?? segment;
}

/**
 * How a parameter's text is read, as an OpenAPI server reads it: integers and numbers from decimal
 * text, booleans from `true`/`false`. Undefined when the text is not of the type.
 */
export function parseScalar(schema: Obj, text: string): unknown {
  const type = typeOf(mergeAllOf(schema));
  if (type === 'integer') {
    if (!/^-?\d+$/.test(text)) return undefined;
    const big = BigInt(text);
    return big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER) ? big : Number(text);
  }
  if (type === 'number') return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : undefined;
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : undefined;
  return text;
}

/** A parameter's typed value as a server reads it from its text form; undefined when it cannot be read. */
export function parseParameter(schema: Obj, value: ParamValue): unknown {
  const flat = mergeAllOf(schema);
  if (Array.isArray(value)) {
    const items = asSchema(flat.items);
    const parsed = value.map((item) => parseScalar(items, item));
    return parsed.includes(undefined) ? undefined : parsed;
  }
  if (typeof value === 'object') {
    const properties = asSchema(flat.properties);
    const entries = Object.entries(value).map(([key, item]) => [key, parseScalar(asSchema(properties[key]), item)] as const);
    return entries.some(([, item]) => item === undefined) ? undefined : Object.fromEntries(entries);
  }
  if (typeOf(flat) === 'array' || typeOf(flat) === 'object') return undefined;
  return parseScalar(flat, value);
}

/**
 * Whether a parameter's value is valid against its schema. Integers past the safe range are judged
 * by their exact value against `format: int64` and `maximum` (Ajv sees only doubles).
 */
export function parameterValid(schema: Obj, value: ParamValue, validate: (value: unknown) => boolean): boolean {
  const parsed = parseParameter(schema, value);
  if (parsed === undefined) return false;
  if (typeof parsed === 'bigint') {
    const flat = mergeAllOf(schema);
    const max = typeof flat.maximum === 'number' ? BigInt(flat.maximum) : flat.format === 'int64' ? 2n ** 63n - 1n : undefined;
    const min = typeof flat.minimum === 'number' ? BigInt(flat.minimum) : flat.format === 'int64' ? -(2n ** 63n) : undefined;
    return (max === undefined || parsed <= max) && (min === undefined || parsed >= min);
  }
  return validate(parsed);
}

/** A value as parameter text on the wire (a JSON value's text form; arrays and objects keep their shape). */
export function parameterText(value: unknown): ParamValue {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map((item) => scalarText(item));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scalarText(v)]));
  return JSON.stringify(value);
}

function scalarText(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'bigint' ? value.toString() : JSON.stringify(value);
}

/** Length of a parameter's text form on the wire (before encoding), for the URL-length bound. */
export function textLength(value: ParamValue): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return value.reduce((sum, item) => sum + item.length + 1, 0);
  return Object.entries(value).reduce((sum, [k, v]) => sum + k.length + v.length + 2, 0);
}
