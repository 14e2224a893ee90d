// Walks the bundled description: its operations (paths and webhooks) and every named example with
// the schema it must satisfy, as JSON pointers that SchemaValidator understands.
import { describeOperations } from '../../description/operations.js';
import { resolve, valueAt } from '../../description/pointer.js';
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

/** Every named example of every parameter, request body, response and webhook, as the description module lists them. */
export function examples(document: OpenApiDocument): ExampleEntry[] {
  return describeOperations(document).flatMap((op) => {
    const label = `${op.method.toUpperCase()} ${op.path}`;
    const entries: ExampleEntry[] = [];
    for (const parameter of op.parameters) {
      for (const { name, value } of parameter.examples) {
        entries.push({ where: `${label} parameter ${parameter.name}`, exampleName: name, value, schemaPointer: parameter.schemaPointer });
      }
    }
    const body = op.requestBody;
    for (const { name, value } of body?.examples ?? []) {
      entries.push({ where: `${label} request ${body!.mediaType}`, exampleName: name, value, schemaPointer: body!.schemaPointer });
    }
    for (const response of op.responses) {
      for (const [type, list] of Object.entries(response.examples)) {
        // An example without a schema to hold it to is a finding: the validator refuses the pointer.
        const pointer = response.content[type] ?? `(no schema for ${type})`;
        for (const { name, value } of list) entries.push({ where: `${label} ${response.key} ${type}`, exampleName: name, value, schemaPointer: pointer });
      }
    }
    return entries;
  });
}
