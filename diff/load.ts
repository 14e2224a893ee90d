// The two sides of a diff: a description file (a bundle, or a multi-file root that Redocly
// bundles), or the description a git ref had. Each side keeps what is needed to say where a change
// comes from: the bundle it was read as, and the file it was bundled from.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import type { OpenApiDocument } from '../description/bundle.js';
import { cleanUpEvenIfInterrupted } from './interrupt.js';
import { bundleWithRedocly, DiffInputError } from './redocly.js';
import { SourceMap } from './source-map.js';

export { DiffInputError };

export interface DescriptionSide {
  document: OpenApiDocument;
  /** How the side is named in reports: the file given, or `REF:openapi/openapi.yaml`. */
  label: string;
  /** Where positions are read: the multi-file root, or the bundle file itself. */
  sourceRoot: string;
  /** How a source file is shown in a finding. */
  display: (file: string) => string;
}

/** Reads a JSON or YAML description file (a bundle, or the root of a multi-file description). */
export function readDescriptionFile(path: string): OpenApiDocument {
  if (!existsSync(path)) throw new DiffInputError(`${path}: no such file`);
  let document: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    document = path.endsWith('.json') ? JSON.parse(text) : parse(text);
  } catch (error) {
    throw new DiffInputError(`${path} is not JSON or YAML: ${(error as Error).message}`);
  }
  const root = document as Partial<OpenApiDocument> | null;
  if (!root || typeof root !== 'object' || typeof root.openapi !== 'string' || (!root.paths && !root.webhooks)) {
    throw new DiffInputError(`${path} is not an OpenAPI 3 description (no \`openapi\` version, or neither paths nor webhooks)`);
  }
  return root as OpenApiDocument;
}

/** Whether a document refers to other files (`$ref: ../x.yaml`): then it is a root to bundle. */
export function refersToFiles(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(refersToFiles);
  if (!value || typeof value !== 'object') return false;
  for (const [key, child] of Object.entries(value)) {
    if (key === '$ref' && typeof child === 'string' && !child.startsWith('#')) return true;
    if (refersToFiles(child)) return true;
  }
  return false;
}

/** A temporary folder for bundles, removed by `dispose()` (or when the process is interrupted). */
export class Scratch {
  private dir?: string;
  private done?: () => void;
  path(name: string): string {
    if (!this.dir) {
      const dir = (this.dir = mkdtempSync(join(tmpdir(), 'chatapi-diff-')));
      this.done = cleanUpEvenIfInterrupted(() => rmSync(dir, { recursive: true, force: true }));
    }
    return join(this.dir, name);
  }
  dispose(): void {
    this.done?.();
    this.dir = this.done = undefined;
  }
}

const shownFromCwd = (file: string) => relative(process.cwd(), file) || file;

/** One side from a file: a bundle is read as it is; a multi-file root is bundled by Redocly first. */
export async function loadSide(path: string, scratch: Scratch, name: 'old' | 'new', display: (file: string) => string = shownFromCwd, label = path): Promise<DescriptionSide> {
  const document = readDescriptionFile(path);
  if (!refersToFiles(document)) return { document, label, sourceRoot: resolve(path), display };
  const output = scratch.path(`${name}.json`);
  await bundleWithRedocly(path, output);
  return { document: readDescriptionFile(output), label, sourceRoot: resolve(path), display };
}

/** A bundle already made from a known source root (dist/openapi.json from openapi/openapi.yaml). */
export function bundledSide(bundle: string, sourceRoot: string, label = sourceRoot): DescriptionSide {
  return { document: readDescriptionFile(bundle), label, sourceRoot: resolve(sourceRoot), display: shownFromCwd };
}

/** The source map of a side: where each pointer of its bundle comes from. */
export function sourceMapOf(side: DescriptionSide): SourceMap {
  return new SourceMap(side.document, side.sourceRoot, side.display);
}
