// A typed view of the bundled description for the contract suite: its operations (paths and
// webhooks) with parameters, request bodies, responses and named examples, each schema named by a
// JSON pointer that SchemaValidator understands. Everything the suite checks is derived from here,
// so a new operation in the description shows up in the suite (and in its coverage report) by itself.
import type { OpenApiDocument } from './bundle.js';
import { pointerSegment, resolve, schemaPointer, valueAt, type Obj } from './pointer.js';

export type { Obj };

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface NamedExample {
  name: string;
  value: unknown;
}

export interface ParameterSpec {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  /** How the value is serialised (OpenAPI's defaults: `form` + explode for query and cookie, `simple` for path and header). */
  style: string;
  explode: boolean;
  /** The schema (fully dereferenced when the operations were read with `schemas`). */
  schema: Obj;
  schemaPointer: string;
  examples: NamedExample[];
}

export interface BodySpec {
  required: boolean;
  mediaType: string;
  /** The schema (fully dereferenced when the operations were read with `schemas`). */
  schema: Obj;
  schemaPointer: string;
  examples: NamedExample[];
}

export interface HeaderSpec {
  name: string;
  required: boolean;
  type?: string;
  schemaPointer?: string;
}

/** An OpenAPI link: how a value of this response feeds a request to another operation. */
export interface LinkSpec {
  name: string;
  operationId: string;
  /** Parameter name → runtime expression (`$response.body#/questionId`) or a constant. */
  parameters: Record<string, unknown>;
  description?: string;
}

export interface ResponseSpec {
  /** The key in `responses`: `200`, `4XX` or `default`. */
  key: string;
  /** Media type → pointer to its schema (undefined when the media type has none). */
  content: Record<string, string | undefined>;
  /** Media type → its schema (fully dereferenced when the operations were read with `schemas`). */
  schemas: Record<string, Obj | undefined>;
  /** Media type → its named examples. */
  examples: Record<string, NamedExample[]>;
  headers: HeaderSpec[];
  links: LinkSpec[];
  /** The response's `x-` extensions (`x-request-target-limit`…). */
  extensions: Record<string, unknown>;
}

export interface OperationSpec {
  kind: 'path' | 'webhook';
  operationId: string;
  method: string;
  /** The path template, or the webhook's name. */
  path: string;
  pointer: string;
  parameters: ParameterSpec[];
  requestBody?: BodySpec;
  responses: ResponseSpec[];
  /** `x-read-only: true`: the operation has no lasting effect (what --read-only may call). */
  readOnly: boolean;
  /** `x-exactly-one-of`: query parameters of which a request gives exactly one (a schema cannot say it). */
  exactlyOneOf?: string[];
}

function namedExamples(document: OpenApiDocument, holder: Obj, at: string): NamedExample[] {
  return Object.entries((holder.examples ?? {}) as Obj).map(([name, raw]) => ({
    name,
    value: resolve(document, raw, `${at}/examples/${pointerSegment(name)}`).value.value,
  }));
}

/** Where schema objects are read from: the document itself, or its dereferenced copy. */
interface Reader {
  document: OpenApiDocument;
  schemas?: OpenApiDocument;
}

/** The schema at `at` (a location in the document): from the dereferenced copy when there is one. */
function schemaAt(reader: Reader, raw: unknown, at: string): Obj {
  if (reader.schemas) return (valueAt(reader.schemas, at) ?? {}) as Obj;
  return raw === undefined ? {} : resolve(reader.document, raw, at).value;
}

const DEFAULT_STYLE: Record<ParameterSpec['in'], string> = { path: 'simple', header: 'simple', query: 'form', cookie: 'form' };

function parameters(reader: Reader, raws: unknown[], at: string): ParameterSpec[] {
  const { document } = reader;
  return raws.map((raw, index) => {
    const { value: p, pointer } = resolve(document, raw, `${at}/${index}`);
    const location = p.in as ParameterSpec['in'];
    const style = typeof p.style === 'string' ? p.style : DEFAULT_STYLE[location];
    return {
      name: String(p.name),
      in: location,
      required: p.required === true,
      style,
      explode: typeof p.explode === 'boolean' ? p.explode : style === 'form',
      schema: schemaAt(reader, p.schema, `${pointer}/schema`),
      schemaPointer: schemaPointer(p.schema, `${pointer}/schema`),
      examples: namedExamples(document, p, pointer),
    };
  });
}

function operation(reader: Reader, kind: OperationSpec['kind'], path: string, item: Obj, itemPointer: string, method: string): OperationSpec {
  const { document } = reader;
  const pointer = `${itemPointer}/${method}`;
  const op = item[method] as Obj;
  // Operation-level parameters override path-level ones with the same name and location.
  const merged = new Map<string, ParameterSpec>();
  for (const p of [
    ...parameters(reader, (item.parameters ?? []) as unknown[], `${itemPointer}/parameters`),
    ...parameters(reader, (op.parameters ?? []) as unknown[], `${pointer}/parameters`),
  ]) {
    merged.set(`${p.in}:${p.name}`, p);
  }

  let requestBody: BodySpec | undefined;
  if (op.requestBody) {
    const { value: body, pointer: bodyPointer } = resolve(document, op.requestBody, `${pointer}/requestBody`);
    const [mediaType, media] = Object.entries((body.content ?? {}) as Record<string, Obj>)[0] ?? [];
    if (mediaType && media) {
      const mediaPointer = `${bodyPointer}/content/${pointerSegment(mediaType)}`;
      requestBody = {
        required: body.required === true,
        mediaType,
        schema: schemaAt(reader, media.schema, `${mediaPointer}/schema`),
        schemaPointer: schemaPointer(media.schema, `${mediaPointer}/schema`),
        examples: namedExamples(document, media, mediaPointer),
      };
    }
  }

  const responses: ResponseSpec[] = Object.entries((op.responses ?? {}) as Obj).map(([key, raw]) => {
    const { value: response, pointer: responsePointer } = resolve(document, raw, `${pointer}/responses/${key}`);
    const content: Record<string, string | undefined> = {};
    const schemas: Record<string, Obj | undefined> = {};
    const examples: Record<string, NamedExample[]> = {};
    for (const [mediaType, media] of Object.entries((response.content ?? {}) as Record<string, Obj>)) {
      const mediaPointer = `${responsePointer}/content/${pointerSegment(mediaType)}`;
      content[mediaType] = media.schema === undefined ? undefined : schemaPointer(media.schema, `${mediaPointer}/schema`);
      schemas[mediaType] = media.schema === undefined ? undefined : schemaAt(reader, media.schema, `${mediaPointer}/schema`);
      examples[mediaType] = namedExamples(document, media, mediaPointer);
    }
    const headers = Object.entries((response.headers ?? {}) as Obj).map(([name, rawHeader]) => {
      const { value: header, pointer: headerPointer } = resolve(document, rawHeader, `${responsePointer}/headers/${pointerSegment(name)}`);
      const schema = header.schema === undefined ? undefined : resolve(document, header.schema, `${headerPointer}/schema`).value;
      return {
        name,
        required: header.required === true,
        type: typeof schema?.type === 'string' ? schema.type : undefined,
        schemaPointer: header.schema === undefined ? undefined : schemaPointer(header.schema, `${headerPointer}/schema`),
      };
    });
    const links = Object.entries((response.links ?? {}) as Obj).flatMap(([name, rawLink]) => {
      const { value: link } = resolve(document, rawLink, `${responsePointer}/links/${pointerSegment(name)}`);
      if (typeof link.operationId !== 'string') return [];
      return [{ name, operationId: link.operationId, parameters: (link.parameters ?? {}) as Record<string, unknown>, description: typeof link.description === 'string' ? link.description : undefined }];
    });
    const extensions = Object.fromEntries(Object.entries(response).filter(([name]) => name.startsWith('x-')));
    return { key, content, schemas, examples, headers, links, extensions };
  });

  return {
    kind,
    operationId: typeof op.operationId === 'string' ? op.operationId : `${method.toUpperCase()} ${path}`,
    method,
    path,
    pointer,
    parameters: [...merged.values()],
    requestBody,
    responses,
    readOnly: op['x-read-only'] === true,
    ...(Array.isArray(op['x-exactly-one-of']) ? { exactlyOneOf: (op['x-exactly-one-of'] as unknown[]).map(String) } : {}),
  };
}

/**
 * Every operation of the description, paths first, in document order. With `schemas` (the
 * document's dereferenced copy) every schema object is whole, with no `$ref` left to follow; the
 * pointers still name the document's own places (and components), for the validator and messages.
 */
export function describeOperations(document: OpenApiDocument, options: { schemas?: OpenApiDocument } = {}): OperationSpec[] {
  const reader: Reader = { document, ...(options.schemas ? { schemas: options.schemas } : {}) };
  const result: OperationSpec[] = [];
  for (const [kind, root, base] of [
    // OpenAPI 3.1 allows a description with webhooks and no paths.
    ['path', document.paths ?? {}, '#/paths'],
    ['webhook', document.webhooks ?? {}, '#/webhooks'],
  ] as const) {
    for (const [path, raw] of Object.entries(root)) {
      const itemPointer = `${base}/${pointerSegment(path)}`;
      const { value: item } = resolve(document, raw, itemPointer);
      for (const method of HTTP_METHODS) {
        if (item[method]) result.push(operation(reader, kind, path, item, itemPointer, method));
      }
    }
  }
  return result;
}

/** The documented response for a status code: the exact code, else its range (`4XX`), else `default`. */
export function documentedResponse(op: OperationSpec, status: number): ResponseSpec | undefined {
  const exact = op.responses.find((r) => r.key === String(status));
  if (exact) return exact;
  const range = op.responses.find((r) => r.key.toUpperCase() === `${String(status)[0]}XX`);
  return range ?? op.responses.find((r) => r.key === 'default');
}

/** `getHistory (GET /chatapi/{token}/client/{clientId}/history)`, for messages. */
export function describeOperation(op: OperationSpec): string {
  return op.kind === 'webhook' ? `${op.operationId} (webhook ${op.path})` : `${op.operationId} (${op.method.toUpperCase()} ${op.path})`;
}
