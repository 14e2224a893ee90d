// Builds the requests of the checks from the description: bodies and parameters from its named
// examples and, seeded so that runs repeat, from its schemas (json-schema-faker); and invalid
// variants for the negative checks. Every clientId is replaced by one of the run's own, and every
// questionId by a message the run created, so that nothing touches anyone else's data.
import { generateSync, type JsonSchema } from 'json-schema-faker';
import type { OpenApiDocument } from '../description/bundle.js';
import type { SchemaValidator } from '../description/schemas.js';
import type { OperationSpec, ParameterSpec } from '../description/operations.js';
import { valueAt, type Obj } from '../description/pointer.js';

/** The ids a request is built with. */
export interface RequestIds {
  token: string;
  clientId: string;
  /** Messages of `clientId` that exist (the bot's replies); examples' ids are mapped onto them. */
  questionIds: string[];
}

/** What the context needs to send a request to an operation. */
export interface RequestInput {
  pathParams: Record<string, string>;
  query: Record<string, string>;
  body?: unknown;
}

export interface LabelledInput extends RequestInput {
  label: string;
}

/** FNV-1a: a stable seed per operation and variant, so that generated data repeats run to run. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash || 1;
}

/**
 * Replaces every `clientId` in a value by the run's own and every distinct `questionId` by one of
 * `ids.questionIds` (in order of appearance); drops array items that end up naming the same
 * message twice (a batch of statuses must not set one message twice).
 */
export function fixIds(value: unknown, ids: RequestIds): unknown {
  const mapping = new Map<string, string>();
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) {
      const seen = new Set<string>();
      return node.map(walk).filter((item) => {
        const q = (item as Obj | null)?.questionId;
        if (typeof q !== 'string') return true;
        if (seen.has(q)) return false;
        seen.add(q);
        return true;
      });
    }
    if (node === null || typeof node !== 'object') return node;
    const copy: Obj = {};
    for (const [key, child] of Object.entries(node)) {
      if (key === 'clientId' && (typeof child === 'string' || typeof child === 'number')) copy[key] = ids.clientId;
      else if (key === 'questionId' && typeof child === 'string' && ids.questionIds.length > 0) {
        if (!mapping.has(child)) mapping.set(child, ids.questionIds[mapping.size % ids.questionIds.length]!);
        copy[key] = mapping.get(child);
      } else copy[key] = walk(child);
    }
    return copy;
  };
  return walk(value);
}

/** Drops the OpenAPI extensions (`x-…`), which json-schema-faker would take for properties. */
function withoutExtensions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutExtensions);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => !key.startsWith('x-'))
      .map(([key, value]) => [key, withoutExtensions(value)]),
  );
}

export class RequestBuilder {
  private readonly plain: OpenApiDocument;

  constructor(
    readonly document: OpenApiDocument,
    private readonly validator: SchemaValidator,
  ) {
    this.plain = withoutExtensions(document) as OpenApiDocument;
  }

  /**
   * A value valid against the schema at `pointer`, after `fix`: json-schema-faker with a seed,
   * checked with Ajv (the generator is not perfect for every 2020-12 construct), next seed if not.
   */
  generate(pointer: string, seed: number, fix: (value: unknown) => unknown = (v) => v): unknown {
    const refResolver = (ref: string) => valueAt(this.plain, ref) as JsonSchema;
    let last: unknown;
    for (let attempt = 0; attempt < 20; attempt++) {
      last = fix(generateSync({ $ref: pointer }, { seed: seed + attempt, maxLength: 24, maxItems: 3, refResolver }));
      if (this.validator.validate(pointer, last).valid) return last;
    }
    throw new Error(`could not generate a value valid against ${pointer} (last try: ${JSON.stringify(last)})`);
  }

  /** A parameter's value: the run's ids for token, clientId and questionId, else an example, else generated. */
  parameterValue(op: OperationSpec, param: ParameterSpec, ids: RequestIds, source: 'example' | 'generated'): string {
    if (param.name === 'token' && param.in === 'path') return ids.token;
    if (param.name === 'clientId') return ids.clientId;
    if (param.name === 'questionId' && ids.questionIds[0]) return ids.questionIds[0];
    const example = param.examples[0];
    const value = source === 'example' && example ? example.value : this.generate(param.schemaPointer, seedOf(`${op.operationId}/${param.name}`));
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  pathParams(op: OperationSpec, ids: RequestIds): Record<string, string> {
    const result: Record<string, string> = {};
    for (const p of op.parameters.filter((p) => p.in === 'path')) result[p.name] = this.parameterValue(op, p, ids, 'example');
    return result;
  }

  /**
   * Query parameter sets: the required ones, plus each optional one in turn (an operation whose
   * optional parameters exclude each other, like `query` and `event`, stays valid that way).
   */
  queryVariants(op: OperationSpec, ids: RequestIds, source: 'example' | 'generated'): LabelledInput[] {
    const query = op.parameters.filter((p) => p.in === 'query');
    const base: Record<string, string> = {};
    for (const p of query.filter((p) => p.required)) base[p.name] = this.parameterValue(op, p, ids, source);
    const optional = query.filter((p) => !p.required);
    const pathParams = this.pathParams(op, ids);
    if (optional.length === 0) return [{ label: 'required parameters', pathParams, query: base }];
    const chosen = source === 'generated' ? optional.slice(0, 1) : optional;
    return chosen.map((p) => ({
      label: `with ${p.name}`,
      pathParams,
      query: { ...base, [p.name]: this.parameterValue(op, p, ids, source) },
    }));
  }

  /** One request per named example of the body, or per parameter variant when there is no body. */
  fromExamples(op: OperationSpec, ids: RequestIds): LabelledInput[] {
    if (!op.requestBody) return this.queryVariants(op, ids, 'example');
    const query = this.queryVariants(op, ids, 'example')[0]?.query ?? {};
    return op.requestBody.examples.map((example) => ({
      label: `example "${example.name}"`,
      pathParams: this.pathParams(op, ids),
      query,
      body: fixIds(example.value, ids),
    }));
  }

  /** Requests generated from the schemas (body, and parameters without their examples). */
  fromSchemas(op: OperationSpec, ids: RequestIds): LabelledInput[] {
    if (!op.requestBody) return this.queryVariants(op, ids, 'generated').map((v) => ({ ...v, label: `generated, ${v.label}` }));
    const query = this.queryVariants(op, ids, 'generated')[0]?.query ?? {};
    const body = this.generate(op.requestBody.schemaPointer, seedOf(op.operationId), (v) => fixIds(v, ids));
    return [{ label: 'generated body', pathParams: this.pathParams(op, ids), query, body }];
  }

  /**
   * Bodies that break the request schema, derived from a valid one: a required member left out,
   * a member of the wrong type, and an array instead of the body. Each is confirmed invalid with
   * Ajv, so the list holds only what the description really forbids. A string clientId becomes
   * an array holding the run's own id: a server that coerces it still only touches our client.
   */
  invalidBodies(op: OperationSpec, valid: unknown): Array<{ label: string; body: unknown }> {
    if (!op.requestBody) return [];
    const pointer = op.requestBody.schemaPointer;
    const invalid = (body: unknown) => !this.validator.validate(pointer, body).valid;
    const result: Array<{ label: string; body: unknown }> = [];
    if (valid && typeof valid === 'object' && !Array.isArray(valid)) {
      const entries = Object.entries(valid as Obj);
      const missing = entries.map(([key]) => key).find((key) => invalid(Object.fromEntries(entries.filter(([k]) => k !== key))));
      if (missing) result.push({ label: `without /${missing}`, body: Object.fromEntries(entries.filter(([k]) => k !== missing)) });
      for (const [key, value] of entries) {
        const wrong = wrongType(value);
        const body = { ...(valid as Obj), [key]: wrong.value };
        if (invalid(body)) {
          result.push({ label: `/${key} as ${wrong.type}`, body });
          break;
        }
      }
    }
    if (invalid([])) result.push({ label: 'an array instead of an object', body: [] });
    return result;
  }
}

function wrongType(value: unknown): { type: string; value: unknown } {
  if (typeof value === 'string') return { type: 'an array', value: [value] };
  if (typeof value === 'number') return { type: 'a string', value: String(value) };
  if (typeof value === 'boolean') return { type: 'a string', value: String(value) };
  if (Array.isArray(value)) return { type: 'a string', value: 'not-an-array' };
  return { type: 'a string', value: 'not-an-object' };
}

/** A value of the wrong type for a query parameter (integer, number or boolean); undefined for strings. */
export function wrongQueryValue(param: ParameterSpec): string | undefined {
  const type = param.schema.type;
  if (type === 'integer' || type === 'number') return 'not-a-number';
  if (type === 'boolean') return 'not-a-boolean';
  return undefined;
}
