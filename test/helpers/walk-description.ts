// Walks the bundled description: its operations (paths and webhooks) and every named example with
// the schema it must satisfy, as JSON pointers that SchemaValidator understands.
import { pointerSegment } from '../../validation/schema-validator.js';
import type { OpenApiDocument } from '../../validation/description.js';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

type Obj = Record<string, unknown>;

export interface OperationEntry {
  kind: 'path' | 'webhook';
  /** The path template, or the webhook's name. */
  name: string;
  method: string;
  operation: Obj;
  pointer: string;
}

export interface ExampleEntry {
  /** Where the example is used, for messages. */
  where: string;
  exampleName: string;
  value: unknown;
  schemaPointer: string;
}

/** Follows a local `$ref` (`#/components/...`) once. */
export function deref<T = Obj>(document: OpenApiDocument, node: unknown): T {
  const ref = (node as Obj | undefined)?.$ref;
  if (typeof ref !== 'string') return node as T;
  let target: unknown = document;
  for (const segment of ref.slice(2).split('/')) {
    target = (target as Obj)[segment.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return deref<T>(document, target);
}

export function operations(document: OpenApiDocument): OperationEntry[] {
  const entries: OperationEntry[] = [];
  for (const [kind, root, base] of [
    ['path', document.paths, '#/paths'],
    ['webhook', document.webhooks ?? {}, '#/webhooks'],
  ] as const) {
    for (const [name, item] of Object.entries(root)) {
      for (const method of HTTP_METHODS) {
        const operation = (item as Obj)[method] as Obj | undefined;
        if (operation) {
          entries.push({ kind, name, method, operation, pointer: `${base}/${pointerSegment(name)}/${method}` });
        }
      }
    }
  }
  return entries;
}

/** Pointer to a schema, following a `$ref` so that the pointer names the component. */
function schemaPointer(schema: unknown, fallback: string): string {
  const ref = (schema as Obj | undefined)?.$ref;
  return typeof ref === 'string' ? ref : fallback;
}

function mediaTypeExamples(document: OpenApiDocument, content: unknown, pointer: string, where: string): ExampleEntry[] {
  const entries: ExampleEntry[] = [];
  for (const [type, media] of Object.entries((content ?? {}) as Obj)) {
    const m = media as Obj;
    const mediaPointer = `${pointer}/${pointerSegment(type)}`;
    for (const [exampleName, example] of Object.entries((m.examples ?? {}) as Obj)) {
      entries.push({
        where: `${where} ${type}`,
        exampleName,
        value: deref<Obj>(document, example).value,
        schemaPointer: schemaPointer(m.schema, `${mediaPointer}/schema`),
      });
    }
  }
  return entries;
}

/** Every named example of every parameter, request body, response and webhook. */
export function examples(document: OpenApiDocument): ExampleEntry[] {
  const entries: ExampleEntry[] = [];
  for (const op of operations(document)) {
    const label = `${op.method.toUpperCase()} ${op.name}`;
    const pathItem = (op.kind === 'path' ? document.paths : document.webhooks ?? {})[op.name] as Obj;
    const parameters = [...((pathItem.parameters ?? []) as unknown[]), ...((op.operation.parameters ?? []) as unknown[])];
    for (const raw of parameters) {
      const parameter = deref<Obj>(document, raw);
      const ref = (raw as Obj).$ref;
      const base = typeof ref === 'string' ? ref : `${op.pointer}/parameters`;
      for (const [exampleName, example] of Object.entries((parameter.examples ?? {}) as Obj)) {
        entries.push({
          where: `${label} parameter ${String(parameter.name)}`,
          exampleName,
          value: deref<Obj>(document, example).value,
          schemaPointer: schemaPointer(parameter.schema, `${base}/schema`),
        });
      }
    }
    const body = op.operation.requestBody ? deref<Obj>(document, op.operation.requestBody) : undefined;
    if (body) {
      entries.push(...mediaTypeExamples(document, body.content, `${op.pointer}/requestBody/content`, `${label} request`));
    }
    for (const [status, raw] of Object.entries((op.operation.responses ?? {}) as Obj)) {
      const ref = (raw as Obj).$ref;
      const base = typeof ref === 'string' ? `${ref}/content` : `${op.pointer}/responses/${status}/content`;
      entries.push(...mediaTypeExamples(document, deref<Obj>(document, raw).content, base, `${label} ${status}`));
    }
  }
  return entries;
}
