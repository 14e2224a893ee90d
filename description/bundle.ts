// Locates and loads the bundled Chat API description (dist/openapi.json, built by `npm run bundle`).
// Every runtime tool reads the bundle, never the multi-file source under openapi/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The OpenAPI document, loosely typed: tools walk it generically. */
export type OpenApiDocument = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  webhooks?: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
};

/** The package root: the nearest folder above this module with a package.json (works from source and from build/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('chatapi-contract: package.json not found above ' + import.meta.url);
    dir = parent;
  }
  return dir;
}

export const BUNDLE_JSON = join(packageRoot(), 'dist', 'openapi.json');
export const BUNDLE_YAML = join(packageRoot(), 'dist', 'openapi.yaml');
export const DOCS_HTML = join(packageRoot(), 'dist', 'docs.html');

let cached: OpenApiDocument | undefined;

/** The bundled description, parsed once per process. */
export function loadDescription(path = BUNDLE_JSON): OpenApiDocument {
  if (path === BUNDLE_JSON && cached) return cached;
  if (!existsSync(path)) {
    throw new Error(`The bundled description ${path} is missing: run \`npm run bundle\` first.`);
  }
  const document = JSON.parse(readFileSync(path, 'utf8')) as OpenApiDocument;
  if (path === BUNDLE_JSON) cached = document;
  return document;
}
