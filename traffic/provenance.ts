// The description's provenance marks (`x-provenance: { level, note }`), read from the bundle: one on
// every operation (webhooks included) and on every top-level schema. Each mark is what recorded
// traffic can confirm or contradict. Where the multi-file source is at hand (a checkout, not the
// installed package), each mark also names the file under `openapi/` to edit.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { packageRoot, type OpenApiDocument } from '../description/bundle.js';
import type { OperationSpec } from '../description/operations.js';
import { pointerSegment, valueAt, type Obj } from '../description/pointer.js';

export const LEVELS = ['inferred', 'observed', 'documented'] as const;
export type ProvenanceLevel = (typeof LEVELS)[number];

export interface ProvenanceMark {
  /** `operation:sendMessage`, `schema:ChatResponse`: unique across both kinds. */
  key: string;
  kind: 'operation' | 'schema';
  /** The operationId or the component's name. */
  name: string;
  level: ProvenanceLevel;
  note: string;
  /** Where the mark sits in the bundle. */
  pointer: string;
  /** `POST /chatapi/{token}` or `webhook chatApiMessage` (operations). */
  route?: string;
  /** The source file under `openapi/`, when the source is at hand. */
  source?: string;
}

export const operationKey = (operationId: string) => `operation:${operationId}`;
const schemaKey = (name: string) => `schema:${name}`;
const SCHEMA_POINTER = /^#\/components\/schemas\/([^/]+)$/;

function markOf(node: unknown): { level: ProvenanceLevel; note: string } | undefined {
  const mark = (node as Obj | undefined)?.['x-provenance'] as Obj | undefined;
  const level = mark?.level;
  if (typeof level !== 'string' || !(LEVELS as readonly string[]).includes(level)) return undefined;
  return { level: level as ProvenanceLevel, note: typeof mark?.note === 'string' ? mark.note : '' };
}

/**
 * Where each path item and webhook lives in the multi-file source: the root file's `$ref`s (the one
 * place that says it), or nothing when the source is not there.
 */
function sourceFiles(root: string): { paths: Record<string, string>; webhooks: Record<string, string>; schema(name: string): string | undefined } {
  const dir = join(root, 'openapi');
  const rootFile = join(dir, 'openapi.yaml');
  const refs = (section: unknown): Record<string, string> =>
    Object.fromEntries(
      Object.entries((section ?? {}) as Record<string, Obj>)
        .filter(([, item]) => typeof item?.$ref === 'string')
        .map(([name, item]) => [name, `openapi/${String(item.$ref)}`]),
    );
  let parsed: Obj = {};
  if (existsSync(rootFile)) {
    try {
      parsed = (parseYaml(readFileSync(rootFile, 'utf8')) ?? {}) as Obj;
    } catch {
      // an unreadable source only costs the file names
    }
  }
  return {
    paths: refs(parsed.paths),
    webhooks: refs(parsed.webhooks),
    // One component per file, named as the component (the layout the bundle's names come from).
    schema: (name) => (existsSync(join(dir, 'components', 'schemas', `${name}.yaml`)) ? `openapi/components/schemas/${name}.yaml` : undefined),
  };
}

/** Every mark of the description: the operations in document order, then the schemas by name. */
export function provenanceMarks(document: OpenApiDocument, operations: readonly OperationSpec[], root: string = packageRoot()): ProvenanceMark[] {
  const sources = sourceFiles(root);
  const marks: ProvenanceMark[] = [];
  for (const op of operations) {
    const mark = markOf(valueAt(document, op.pointer));
    if (!mark) continue;
    const source = op.kind === 'webhook' ? sources.webhooks[op.path] : sources.paths[op.path];
    marks.push({ key: operationKey(op.operationId), kind: 'operation', name: op.operationId, ...mark, pointer: op.pointer, route: op.kind === 'webhook' ? `webhook ${op.path}` : `${op.method.toUpperCase()} ${op.path}`, ...(source ? { source } : {}) });
  }
  const schemas = Object.entries(document.components?.schemas ?? {}).sort(([a], [b]) => a.localeCompare(b));
  for (const [name, schema] of schemas) {
    const mark = markOf(schema);
    if (!mark) continue;
    const source = sources.schema(name);
    marks.push({ key: schemaKey(name), kind: 'schema', name, ...mark, pointer: `#/components/schemas/${pointerSegment(name)}`, ...(source ? { source } : {}) });
  }
  return marks;
}

/** The mark a schema pointer carries, when it names a marked component (`#/components/schemas/Reply`). */
export function markIndex(marks: readonly ProvenanceMark[]): (pointer: string) => ProvenanceMark | undefined {
  const byPointer = new Map(marks.filter((m) => m.kind === 'schema').map((m) => [m.pointer, m]));
  return (pointer) => (SCHEMA_POINTER.test(pointer) ? byPointer.get(pointer) : undefined);
}
