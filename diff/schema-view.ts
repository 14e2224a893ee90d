// What a JSON Schema (2020-12, as in OpenAPI 3.1) accepts, read keyword by keyword so that two
// versions can be compared. A schema is taken as the conjunction it stands for: its own keywords,
// its `$ref` target (3.1 allows keywords next to `$ref`; both apply) and its `allOf` members, all
// flattened. A constraint moved from a `$ref` sibling into the target is therefore no change, and
// `type: [string, 'null']`, 3.0's `nullable` and `const` are read as the sets of values they allow.
import { pointerSegment, valueAt, type Obj } from '../description/pointer.js';

export type Schema = Obj | boolean;

/** One member of the conjunction: a schema object's own keywords, and where they are. */
export interface Part {
  schema: Schema;
  pointer: string;
}

/** The conjunction `schema` stands for, `$ref`s followed and `allOf` flattened (each target once). */
export function conjunction(doc: unknown, schema: unknown, pointer: string, seen: Set<string> = new Set()): Part[] {
  if (typeof schema === 'boolean') return [{ schema, pointer }];
  if (!schema || typeof schema !== 'object') return [];
  const { $ref, allOf, ...own } = schema as Obj;
  // The schema's own keywords first: it names the conjunction in messages (`nick`, not its target `Name`).
  const parts: Part[] = Object.keys(own).length > 0 || typeof $ref !== 'string' ? [{ schema: own, pointer }] : [];
  if (typeof $ref === 'string' && !seen.has($ref)) {
    seen.add($ref);
    parts.push(...conjunction(doc, valueAt(doc, $ref), $ref, seen));
  }
  if (Array.isArray(allOf)) allOf.forEach((member, index) => parts.push(...conjunction(doc, member, `${pointer}/allOf/${index}`, seen)));
  return parts;
}

const objects = (parts: Part[]) => parts.filter((p): p is { schema: Obj; pointer: string } => typeof p.schema === 'object');

/** Kinds of JSON values; `number` is split so that `integer` ⊂ `number` compares right. */
const KINDS = ['null', 'boolean', 'object', 'array', 'integer', 'fraction', 'string'] as const;
export type Kind = (typeof KINDS)[number];

function kindsOf(type: unknown): Kind[] {
  if (type === 'number') return ['integer', 'fraction'];
  return KINDS.includes(type as Kind) && type !== 'fraction' ? [type as Kind] : [];
}

export interface TypeView {
  kinds: Set<Kind>;
  /** Where the `type` keyword that decides it is (undefined: no part has one). */
  pointer?: string;
}

/**
 * The kinds of values the conjunction allows (every kind when no part says). A part with `oneOf` or
 * `anyOf` allows the kinds its alternatives allow together.
 */
export function typeView(doc: unknown, parts: Part[], depth = 0): TypeView {
  let kinds = new Set<Kind>(KINDS);
  let pointer: string | undefined;
  const keep = (allowed: Set<Kind>) => (kinds = new Set([...kinds].filter((kind) => allowed.has(kind))));
  for (const part of parts) {
    if (part.schema === false) kinds = new Set();
    if (typeof part.schema !== 'object') continue;
    const { type, nullable } = part.schema;
    if (type !== undefined) {
      const allowed = new Set<Kind>((Array.isArray(type) ? type : [type]).flatMap(kindsOf));
      if (nullable === true) allowed.add('null');
      keep(allowed);
      pointer ??= `${part.pointer}/type`;
    }
    for (const keyword of ['oneOf', 'anyOf'] as const) {
      const list = part.schema[keyword];
      if (!Array.isArray(list) || depth > 8) continue;
      keep(new Set(list.flatMap((variant, index) => [...typeView(doc, conjunction(doc, variant, `${part.pointer}/${keyword}/${index}`), depth + 1).kinds])));
    }
  }
  return { kinds, pointer };
}

/** `integer`, `number`, `string | null`… for messages. */
export function typeNames(kinds: Iterable<Kind>): string {
  const set = new Set(kinds);
  const names: string[] = [];
  for (const kind of KINDS) {
    if (!set.has(kind)) continue;
    if (kind === 'integer') names.push(set.has('fraction') ? 'number' : 'integer');
    else if (kind === 'fraction') {
      if (!set.has('integer')) names.push('non-integer number');
    } else names.push(kind);
  }
  return names.length > 0 ? names.join(' | ') : 'nothing';
}

/** A JSON value's identity for set comparisons (key order does not matter). */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Obj)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface EnumView {
  /** canonical → value; undefined when no part restricts the values. */
  values?: Map<string, unknown>;
  pointer?: string;
}

/** The values `enum` and `const` allow (their intersection across the parts). */
export function enumView(parts: Part[]): EnumView {
  let values: Map<string, unknown> | undefined;
  let pointer: string | undefined;
  for (const { schema, pointer: at } of objects(parts)) {
    const listed = Array.isArray(schema.enum) ? schema.enum : 'const' in schema ? [schema.const] : undefined;
    if (!listed) continue;
    const own = new Map(listed.map((value) => [canonical(value), value] as const));
    values = values ? new Map([...values].filter(([key]) => own.has(key))) : own;
    pointer ??= Array.isArray(schema.enum) ? `${at}/enum` : `${at}/const`;
  }
  return { values, pointer };
}

export interface Bound {
  value: number;
  exclusive: boolean;
  pointer: string;
}

/** The bounds compared as constraints: name → [the keywords that set it, upper or lower]. */
export const BOUNDS = {
  maximum: 'upper',
  minimum: 'lower',
  maxLength: 'upper',
  minLength: 'lower',
  maxItems: 'upper',
  minItems: 'lower',
  maxProperties: 'upper',
  minProperties: 'lower',
} as const;
export type BoundName = keyof typeof BOUNDS;

/** The tightest bound of a kind across the parts (3.1 numeric and 3.0 boolean exclusive bounds included). */
export function boundOf(parts: Part[], name: BoundName): Bound | undefined {
  const upper = BOUNDS[name] === 'upper';
  let best: Bound | undefined;
  const consider = (candidate: Bound) => {
    if (!best) return void (best = candidate);
    const tighter = upper ? candidate.value < best.value : candidate.value > best.value;
    if (tighter || (candidate.value === best.value && candidate.exclusive && !best.exclusive)) best = candidate;
  };
  for (const { schema, pointer } of objects(parts)) {
    const value = schema[name];
    if (typeof value === 'number') {
      // A zero lower bound on a length or a count says nothing.
      if (!(value === 0 && name !== 'minimum' && !upper)) consider({ value, exclusive: false, pointer: `${pointer}/${name}` });
    }
    if (name === 'maximum' || name === 'minimum') {
      const exclusiveName = name === 'maximum' ? 'exclusiveMaximum' : 'exclusiveMinimum';
      const exclusive = schema[exclusiveName];
      if (typeof exclusive === 'number') consider({ value: exclusive, exclusive: true, pointer: `${pointer}/${exclusiveName}` });
      if (exclusive === true && typeof value === 'number') consider({ value, exclusive: true, pointer: `${pointer}/${exclusiveName}` });
    }
  }
  return best;
}

/** Keywords whose values cannot be ordered: a value that appears is a new constraint, one that goes is a lifted one. */
export const VALUE_KEYWORDS = ['pattern', 'format', 'multipleOf', 'contentMediaType', 'contentEncoding', 'not', 'propertyNames', 'dependentRequired', 'if'] as const;

const ANY = (value: unknown) => value === true || (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0);

/**
 * A subschema without what constrains nothing (`properties: {x: true}`, `required: []`,
 * `additionalProperties: true`), so that writing the same constraint differently is no change.
 */
export function withoutNoOps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNoOps);
  if (!value || typeof value !== 'object') return value;
  const result: Obj = {};
  for (const [key, child] of Object.entries(value as Obj)) {
    if (key === 'properties' && child && typeof child === 'object') {
      const kept = Object.entries(child as Obj).filter(([, schema]) => !ANY(schema));
      if (kept.length > 0) result[key] = Object.fromEntries(kept.map(([name, schema]) => [name, withoutNoOps(schema)]));
    } else if ((key === 'required' && Array.isArray(child) && child.length === 0) || (['additionalProperties', 'items', 'unevaluatedProperties'].includes(key) && ANY(child))) {
      continue;
    } else result[key] = withoutNoOps(child);
  }
  return result;
}

/** canonical value → where it is, for one value keyword across the parts. */
export function valuesOf(parts: Part[], keyword: string): Map<string, { value: unknown; pointer: string }> {
  const found = new Map<string, { value: unknown; pointer: string }>();
  for (const { schema, pointer } of objects(parts)) {
    if (schema[keyword] === undefined) continue;
    // if/then/else only mean something together.
    const value = keyword === 'if' ? { if: schema.if, then: schema.then, else: schema.else } : schema[keyword];
    found.set(canonical(withoutNoOps(value)), { value, pointer: `${pointer}/${keyword}` });
  }
  return found;
}

/** `uniqueItems: true` in some part. */
export function uniqueItemsOf(parts: Part[]): string | undefined {
  return objects(parts).find((p) => p.schema.uniqueItems === true)?.pointer;
}

/** Where the object is closed to properties it does not list (`additionalProperties` or `unevaluatedProperties` false). */
export function closedAt(parts: Part[]): string | undefined {
  for (const { schema, pointer } of objects(parts)) {
    if (schema.additionalProperties === false) return `${pointer}/additionalProperties`;
    if (schema.unevaluatedProperties === false) return `${pointer}/unevaluatedProperties`;
  }
  return undefined;
}

export interface PropertyView {
  /** The conjunction of every schema given for the property. */
  parts: Part[];
  /** Where it is first defined. */
  pointer: string;
  /** Where it is listed as required, if it is. */
  requiredAt?: string;
}

/** Every property the parts name (in `properties` or `required`), with its schema parts. */
export function propertiesOf(doc: unknown, parts: Part[]): Map<string, PropertyView> {
  const found = new Map<string, PropertyView>();
  for (const { schema, pointer } of objects(parts)) {
    const properties = (schema.properties ?? {}) as Obj;
    for (const [name, child] of Object.entries(properties)) {
      const at = `${pointer}/properties/${pointerSegment(name)}`;
      const view = found.get(name) ?? { parts: [], pointer: at };
      view.parts.push(...conjunction(doc, child, at));
      found.set(name, view);
    }
  }
  for (const { schema, pointer } of objects(parts)) {
    if (!Array.isArray(schema.required)) continue;
    for (const name of schema.required) {
      if (typeof name !== 'string') continue;
      const view = found.get(name) ?? { parts: [], pointer: `${pointer}/required` };
      view.requiredAt ??= `${pointer}/required`;
      found.set(name, view);
    }
  }
  return found;
}

/** The conjunction of a subschema keyword (`items`, `additionalProperties`) across the parts. */
export function subschemaOf(doc: unknown, parts: Part[], keyword: 'items' | 'additionalProperties'): Part[] {
  return objects(parts).flatMap(({ schema, pointer }) => {
    const child = schema[keyword];
    return child !== undefined && typeof child !== 'boolean' ? conjunction(doc, child, `${pointer}/${keyword}`) : [];
  });
}

export interface Variant {
  /** How a variant is recognised in the other version: its `$ref`, else its position. */
  key: string;
  parts: Part[];
  pointer: string;
}

/** The alternatives of the first part that has `oneOf` (or `anyOf`). */
export function variantsOf(doc: unknown, parts: Part[], keyword: 'oneOf' | 'anyOf'): { pointer: string; variants: Variant[] } | undefined {
  for (const { schema, pointer } of objects(parts)) {
    const list = schema[keyword];
    if (!Array.isArray(list)) continue;
    return {
      pointer: `${pointer}/${keyword}`,
      variants: list.map((variant, index) => {
        const at = `${pointer}/${keyword}/${index}`;
        const ref = (variant as Obj | undefined)?.$ref;
        return { key: typeof ref === 'string' && Object.keys(variant as Obj).length === 1 ? ref : `#${index}`, parts: conjunction(doc, variant, at), pointer: at };
      }),
    };
  }
  return undefined;
}
