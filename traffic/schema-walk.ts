// Walks one recorded JSON value through the description's schema, `$ref`s and all, the way the
// value actually went: into each member's schema, each item's, every `allOf` part, and of a
// `oneOf`/`anyOf` the branch the discriminator names or the branches that take the value (Ajv over
// the branch; the closest one when none does, so that what broke is told where it broke). On the
// way it notes every marked component the value entered (the marks it bears on) and what the
// value does that the schema does not say, each at the component that says it:
// - Ajv's errors, each taken at the schema node whose own keyword made it (a bound, an enum, a
//   type, a required member, an unknown discriminator value), never twice;
// - members no schema at that place declares, even where `additionalProperties` lets them in: a
//   field the description lacks is the evidence we look for, not a violation a validator reports.
import type { ErrorObject } from 'ajv';
import type { OpenApiDocument } from '../description/bundle.js';
import { pointerSegment, valueAt, type Obj } from '../description/pointer.js';
import type { SchemaValidator } from '../description/schemas.js';

export type ContradictionKind =
  | 'undocumented_status'
  | 'content_type'
  | 'not_json'
  | 'undeclared_member'
  | 'missing_member'
  | 'type'
  | 'enum'
  | 'unknown_variant'
  | 'ambiguous_variant'
  | 'bound'
  | 'excluded'
  | 'schema';

export interface WalkContradiction {
  kind: ContradictionKind;
  /** The mark (its key) that says what the value contradicts. */
  owner: string;
  /** JSON pointer into the walked value. */
  at: string;
  /** The schema node whose keyword the value contradicts. */
  schemaPointer: string;
  message: string;
}

export interface WalkResult {
  /** The marked components the value entered, once per entry (a reply type once per reply). */
  entered: string[];
  contradictions: WalkContradiction[];
}

export interface WalkOptions {
  document: OpenApiDocument;
  validator: SchemaValidator;
  /** The mark key of a schema pointer, when it names a marked component. */
  markAt(pointer: string): string | undefined;
  /** A value as it may be shown (secrets masked); `key` is the member that holds it. */
  show(value: unknown, key: string): unknown;
}

/** What the schema nodes visited at one object in the value declare about its members. */
interface Place {
  value: Record<string, unknown>;
  declared: Set<string>;
  /** A schema there takes any member (`additionalProperties: {…}`, `patternProperties`): none is undeclared. */
  open: boolean;
  /** A schema there says `additionalProperties: false`. */
  closed: boolean;
  /** The owners (mark keys, outermost first) of each node that declares members there. */
  declarers: string[][];
}

const BOUND_KEYWORDS = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'pattern', 'format', 'minItems', 'maxItems', 'uniqueItems', 'contains', 'minContains', 'maxContains', 'minProperties', 'maxProperties']);
/** Keywords whose errors the walk tells itself: by the branch it descends into, or as undeclared members. */
const WALKED_KEYWORDS = new Set(['oneOf', 'anyOf', 'additionalProperties', 'unevaluatedProperties', 'if', 'then', 'else']);
const MAX_DEPTH = 64;

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function excerpt(value: unknown): string {
  const text = typeof value === 'bigint' ? String(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** The longest owner chain every declarer shares: the component that owns the object as a whole. */
function commonOwner(chains: string[][]): string {
  const [first, ...rest] = chains;
  let length = first?.length ?? 0;
  for (const chain of rest) {
    let i = 0;
    while (i < length && chain[i] === first![i]) i++;
    length = i;
  }
  return first![Math.max(0, length - 1)]!;
}

export class SchemaWalker {
  constructor(private readonly options: WalkOptions) {}

  /** Walks `value` through the schema at `pointer`; `root` is the mark that owns what no component does (the operation's). */
  walk(pointer: string, value: unknown, root: string): WalkResult {
    const state: WalkState = { entered: [], contradictions: [], places: new Map() };
    this.visit(this.node(pointer), pointer, value, '', [root], false, state, 0);
    for (const [at, place] of state.places) {
      if (place.open || place.declarers.length === 0) continue;
      const owner = commonOwner(place.declarers);
      for (const member of Object.keys(place.value)) {
        if (place.declared.has(member)) continue;
        state.contradictions.push({
          kind: 'undeclared_member',
          owner,
          at: `${at}/${pointerSegment(member)}`,
          schemaPointer: '',
          message: `member ${JSON.stringify(member)} is not declared${place.closed ? ' (and the schema forbids it)' : ''}: ${excerpt(this.options.show(place.value[member], member))}`,
        });
      }
    }
    return { entered: state.entered, contradictions: state.contradictions };
  }

  private node(pointer: string): Obj {
    const node = valueAt(this.options.document, pointer);
    return isObject(node) ? node : {};
  }

  /** Ajv's errors at a node; undefined when Ajv cannot compile the node on its own (its parts are still walked). */
  private errors(pointer: string, value: unknown): ErrorObject[] | undefined {
    try {
      return this.options.validator.errors(pointer, value);
    } catch {
      return undefined;
    }
  }

  private visit(node: Obj, pointer: string, value: unknown, at: string, owners: string[], knownValid: boolean, state: WalkState, depth: number): void {
    if (depth > MAX_DEPTH) return;
    const mark = this.options.markAt(pointer);
    const chain = mark ? [...owners, mark] : owners;
    if (mark) state.entered.push(mark);
    const owner = chain[chain.length - 1]!;

    let valid = knownValid;
    if (!valid) {
      const errors = this.errors(pointer, value);
      valid = errors?.length === 0;
      for (const error of errors ?? []) {
        // Only this node's own keywords: the parts below report theirs when the walk gets there.
        // (A branch a discriminator picks reports its errors with paths relative to itself, hence
        // the check that the keyword is this node's.)
        if (error.instancePath !== '' || error.schemaPath !== `#/${error.keyword}` || !(error.keyword in node)) continue;
        if (error.keyword === 'oneOf' && Array.isArray((error.params as { passingSchemas?: unknown }).passingSchemas)) {
          state.contradictions.push({ kind: 'ambiguous_variant', owner, at, schemaPointer: pointer, message: `the value matches more than one branch (${((error.params as { passingSchemas: number[] }).passingSchemas).join(', ')}) of a oneOf` });
        } else if (!WALKED_KEYWORDS.has(error.keyword)) state.contradictions.push(this.contradiction(error, node, pointer, value, at, owner));
      }
    }

    if (typeof node.$ref === 'string') this.visit(this.node(node.$ref), node.$ref, value, at, chain, valid, state, depth + 1);
    if (isObject(value)) this.members(node, pointer, value, at, chain, valid, state, depth);
    if (Array.isArray(value) && isObject(node.items)) {
      value.forEach((item, index) => this.visit(node.items as Obj, `${pointer}/items`, item, `${at}/${index}`, chain, valid, state, depth + 1));
    }
    (Array.isArray(node.allOf) ? node.allOf : []).forEach((part, index) => {
      if (isObject(part)) this.visit(part, `${pointer}/allOf/${index}`, value, at, chain, valid, state, depth + 1);
    });
    for (const keyword of ['oneOf', 'anyOf'] as const) {
      const branches = node[keyword];
      if (!Array.isArray(branches)) continue;
      const taken = this.branchesTaken(node, pointer, keyword, branches, value, valid);
      for (const index of taken.indexes) this.visit(branches[index] as Obj, `${pointer}/${keyword}/${index}`, value, at, chain, taken.valid, state, depth + 1);
    }
  }

  /** Notes what this node declares of an object's members, and walks each member it has a schema for. */
  private members(node: Obj, pointer: string, value: Record<string, unknown>, at: string, chain: string[], valid: boolean, state: WalkState, depth: number): void {
    const properties = isObject(node.properties) ? node.properties : undefined;
    const additional = node.additionalProperties;
    const declaresMembers = properties !== undefined || isObject(additional) || node.patternProperties !== undefined || additional === false;
    if (declaresMembers) {
      let place = state.places.get(at);
      if (!place) state.places.set(at, (place = { value, declared: new Set(), open: false, closed: false, declarers: [] }));
      for (const name of Object.keys(properties ?? {})) place.declared.add(name);
      // A member the schema excludes (`not: {required: [event]}`) is one it speaks of: the `not` tells it, once.
      const excluded = isObject(node.not) ? node.not : undefined;
      for (const name of [...(Array.isArray(excluded?.required) ? excluded.required : []), ...Object.keys(isObject(excluded?.properties) ? excluded.properties : {})]) place.declared.add(String(name));
      if (isObject(additional) || node.patternProperties !== undefined) place.open = true;
      if (additional === false) place.closed = true;
      place.declarers.push(chain);
    }
    for (const [name, member] of Object.entries(value)) {
      const schema = properties?.[name];
      if (isObject(schema)) this.visit(schema, `${pointer}/properties/${pointerSegment(name)}`, member, `${at}/${pointerSegment(name)}`, chain, valid, state, depth + 1);
      else if (isObject(additional)) this.visit(additional, `${pointer}/additionalProperties`, member, `${at}/${pointerSegment(name)}`, chain, valid, state, depth + 1);
    }
  }

  /**
   * The branches of a `oneOf`/`anyOf` the value went into: the one its discriminator names (none
   * for a value no branch is named for: the discriminator's error says so); else those that take
   * it; else the closest (fewest errors), whose errors then say what is wrong.
   */
  private branchesTaken(node: Obj, pointer: string, keyword: 'oneOf' | 'anyOf', branches: unknown[], value: unknown, valid: boolean): { indexes: number[]; valid: boolean } {
    const discriminator = node.discriminator as Obj | undefined;
    const property = discriminator?.propertyName;
    if (keyword === 'oneOf' && typeof property === 'string') {
      const tag = isObject(value) ? value[property] : undefined;
      if (typeof tag !== 'string') return { indexes: [], valid };
      const target = (discriminator?.mapping as Record<string, string> | undefined)?.[tag];
      const index = branches.findIndex((branch) => {
        const ref = (branch as Obj | undefined)?.$ref;
        if (target !== undefined) return ref === target;
        const resolved = typeof ref === 'string' ? this.node(ref) : (branch as Obj);
        return ((resolved.properties as Obj | undefined)?.[property] as Obj | undefined)?.const === tag;
      });
      return { indexes: index < 0 ? [] : [index], valid };
    }
    const counts = branches.map((_, index) => this.errors(`${pointer}/${keyword}/${index}`, value)?.length ?? Number.POSITIVE_INFINITY);
    const taking = counts.flatMap((count, index) => (count === 0 ? [index] : []));
    if (taking.length > 0 || valid) return { indexes: taking, valid: true };
    return { indexes: [counts.indexOf(Math.min(...counts))], valid: false };
  }

  private contradiction(error: ErrorObject, node: Obj, pointer: string, value: unknown, at: string, owner: string): WalkContradiction {
    const params = error.params as Record<string, unknown>;
    const shown = excerpt(this.options.show(value, at.split('/').pop() ?? ''));
    const base = { owner, at, schemaPointer: pointer };
    switch (error.keyword) {
      case 'required':
      case 'dependentRequired': {
        const missing = String(params.missingProperty);
        return { ...base, kind: 'missing_member', at: `${at}/${pointerSegment(missing)}`, message: `the required member ${JSON.stringify(missing)} is missing` };
      }
      case 'type':
        return { ...base, kind: 'type', message: `${shown} is not of type ${JSON.stringify(node.type)}` };
      case 'enum':
        return { ...base, kind: 'enum', message: `${shown} is not one of ${(node.enum as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
      case 'const':
        return { ...base, kind: 'enum', message: `${shown} is not ${JSON.stringify(node.const)}` };
      case 'discriminator': {
        const discriminator = node.discriminator as Obj;
        const names = Object.keys((discriminator.mapping as Obj | undefined) ?? {});
        const tag = isObject(value) ? value[String(discriminator.propertyName)] : undefined;
        const which = typeof tag === 'string' ? JSON.stringify(tag) : tag === undefined ? 'missing' : `${excerpt(tag)}, not a string`;
        return { ...base, kind: 'unknown_variant', message: `${String(discriminator.propertyName)} ${which} is none of ${names.length > 0 ? names.join(', ') : 'the branches'}` };
      }
      case 'not':
        return { ...base, kind: 'excluded', message: `the value has what the schema excludes (not: ${excerpt(node.not)})` };
      default:
        return { ...base, kind: BOUND_KEYWORDS.has(error.keyword) ? 'bound' : 'schema', message: `${shown} ${error.message ?? error.keyword}` };
    }
  }
}

interface WalkState {
  entered: string[];
  contradictions: WalkContradiction[];
  places: Map<string, Place>;
}
