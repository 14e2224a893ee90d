// Walks the bundled description: its operations (paths and webhooks) and every named example with
// the schema it must satisfy, as JSON pointers that SchemaValidator understands.
import { describeOperations } from '../../description/operations.js';
import { pointerSegment, resolve, schemaPointer, valueAt } from '../../description/pointer.js';
import type { OpenApiDocument } from '../../description/bundle.js';

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

/** Follows local `$ref`s (`#/components/...`) to their target. */
export function deref<T = Obj>(document: OpenApiDocument, node: unknown): T {
  return resolve(document, node, '#').value as T;
}

/** Every operation (paths, then webhooks), with its raw Operation object for checks on its fields. */
export function operations(document: OpenApiDocument): OperationEntry[] {
  return describeOperations(document).map((op) => ({
    kind: op.kind,
    name: op.path,
    method: op.method,
    operation: valueAt(document, op.pointer) as Obj,
    pointer: op.pointer,
  }));
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
