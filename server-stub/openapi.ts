// Prepares OpenAPI documents for express-openapi-validator and builds its middleware.
//
// The validator is given a dereferenced copy of the bundle without examples, descriptions or
// extensions: it then skips compiling every $ref target just to look it up (its preprocessor does
// that with Ajv) and start-up gets about 100 ms shorter. Validation is unchanged: the schemas are
// the same, only inlined.
import { createRequire } from 'node:module';
import type { RequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { loadDescription, type OpenApiDocument } from '../description/bundle.js';

type Json = unknown;
type JsonObject = Record<string, Json>;

/** Keys that do not take part in validation. `discriminator` goes too: the validator's Ajv does not use it, and each branch pins `type` with `const`. */
const DROPPED_KEYS = new Set(['examples', 'example', 'description', 'summary', 'discriminator', 'externalDocs', 'tags', 'title']);

/**
 * Replaces every `$ref` by its target (local refs `#/...`, and others through `external`), and drops
 * documentation-only keys — except under `properties`, where they are property names. Shared
 * targets stay shared objects. Throws on a circular reference (the description has none).
 */
export function dereference(root: JsonObject, node: Json, external?: (ref: string) => Json): Json {
  const resolved = new Map<string, Json>();
  const resolving = new Set<string>();
  const resolvePointer = (ref: string): Json => {
    let target: Json = root;
    for (const raw of ref.slice(2).split('/')) {
      const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      target = (target as JsonObject | undefined)?.[segment];
    }
    if (target === undefined) throw new Error(`Unresolvable $ref ${ref}`);
    return target;
  };
  const walk = (value: Json, parentKey?: string): Json => {
    if (Array.isArray(value)) return value.map((item) => walk(item));
    if (value === null || typeof value !== 'object') return value;
    const object = value as JsonObject;
    if (typeof object.$ref === 'string') {
      const ref = object.$ref;
      if (!resolved.has(ref)) {
        if (resolving.has(ref)) throw new Error(`Circular $ref ${ref}`);
        resolving.add(ref);
        const target = ref.startsWith('#/') ? resolvePointer(ref) : external?.(ref);
        if (target === undefined) throw new Error(`Unresolvable $ref ${ref}`);
        resolved.set(ref, walk(target));
        resolving.delete(ref);
      }
      return resolved.get(ref);
    }
    const copy: JsonObject = {};
    for (const [key, item] of Object.entries(object)) {
      if (parentKey !== 'properties' && (DROPPED_KEYS.has(key) || key.startsWith('x-'))) continue;
      copy[key] = walk(item, key);
    }
    return copy;
  };
  return walk(node);
}

/** The Chat API description as the validator gets it: paths only, dereferenced, one relative server. */
export function chatApiSpecForValidator(document: OpenApiDocument = loadDescription()): JsonObject {
  const root = document as unknown as JsonObject;
  return { openapi: document.openapi, info: document.info, servers: [{ url: '/' }], paths: dereference(root, document.paths) };
}

let startupPatched = false;

/**
 * express-openapi-validator compiles the OpenAPI 3.1 meta-schema at start-up even with
 * `validateApiSpec: false` (only to not use it), which costs 100-150 ms here. With that option off
 * its validator is replaced by one that accepts; the description is linted by Redocly instead.
 * If a later version moves the class, the patch does nothing and start-up is just slower.
 */
function skipApiSpecValidation(): void {
  if (startupPatched) return;
  startupPatched = true;
  try {
    const require = createRequire(import.meta.url);
    const module = require('express-openapi-validator/dist/framework/openapi.schema.validator.js') as { OpenAPISchemaValidator?: unknown };
    if (typeof module.OpenAPISchemaValidator === 'function') {
      module.OpenAPISchemaValidator = class {
        validate(): { errors: [] } {
          return { errors: [] };
        }
      };
    }
  } catch {
    // Layout changed: keep the library's own behaviour.
  }
}

let routeMatchingPatched = false;

/**
 * express-openapi-validator finds a request's operation by compiling every route of the description
 * with path-to-regexp on every request, until one matches: about a tenth of the stub's CPU under
 * load. The compiled pattern depends only on the route and the options, and the regular expression
 * has no global state (no g or y flag), so it is compiled once per route and reused.
 */
function memoizeRouteMatching(): void {
  if (routeMatchingPatched) return;
  routeMatchingPatched = true;
  try {
    // Resolved from the validator's own location, so that it is the copy the validator uses.
    const require = createRequire(createRequire(import.meta.url).resolve('express-openapi-validator'));
    const module = require('path-to-regexp') as { pathToRegexp?: (path: unknown, options?: Record<string, unknown>) => unknown };
    const original = module.pathToRegexp;
    if (typeof original !== 'function') return;
    const cache = new Map<string, unknown>();
    module.pathToRegexp = (path, options) => {
      // The validator passes only `sensitive` (and `strict`, which this version ignores).
      if (typeof path !== 'string' || (options && (options.end !== undefined || options.trailing !== undefined || options.delimiter !== undefined))) {
        return original(path, options);
      }
      const key = options?.sensitive === true ? `s${path}` : `i${path}`;
      let compiled = cache.get(key);
      if (compiled === undefined) {
        compiled = original(path, options);
        cache.set(key, compiled);
      }
      return compiled;
    };
  } catch {
    // Layout changed: keep the library's own behaviour.
  }
}

export interface ValidatorOptions {
  validateResponses: boolean;
}

/**
 * Of the validator's middlewares, two do nothing for the stub on every request but cost a promise
 * hop each: `pathParamsMiddleware` (installs app.param handlers; the stub's routes live in routers,
 * and the metadata middleware sets req.params itself) and `securityMiddleware` (there are no
 * security schemes). They are left out by name; if the names change, everything is kept.
 */
const IDLE_MIDDLEWARES = new Set(['pathParamsMiddleware', 'securityMiddleware']);

export function validatorMiddleware(apiSpec: JsonObject, options: ValidatorOptions): RequestHandler[] {
  skipApiSpecValidation();
  memoizeRouteMatching();
  const middlewares = OpenApiValidator.middleware({
    apiSpec: apiSpec as never,
    validateApiSpec: false,
    // A JVM web stack ignores query parameters it does not bind, and browsers add cache-busters to long polls.
    validateRequests: { allowUnknownQueryParameters: true },
    validateResponses: options.validateResponses,
    validateSecurity: false,
    // No multipart operations: leave multer out of the chain.
    fileUploader: false,
  }) as unknown as RequestHandler[];
  return middlewares.filter((middleware) => !IDLE_MIDDLEWARES.has(middleware.name));
}

/** How control-api.yaml refers to the Chat API bundle (a path that resolves from server-stub/ on disk). */
export const BUNDLE_REF_PREFIX = '../dist/openapi.yaml#';

/** The control API for the validator: dereferenced, with the Chat API schemas it uses taken from the bundle. */
export function controlApiSpecForValidator(control: JsonObject, bundle: OpenApiDocument = loadDescription()): JsonObject {
  const bundleRoot = bundle as unknown as JsonObject;
  const external = (ref: string): Json =>
    ref.startsWith(BUNDLE_REF_PREFIX) ? dereference(bundleRoot, { $ref: ref.slice(BUNDLE_REF_PREFIX.length - 1) }) : undefined;
  return { openapi: control.openapi, info: control.info, servers: [{ url: '/' }], paths: dereference(control, control.paths, external) };
}

/** The control API as served at /_stub/openapi.yaml: its references point at the bundle the stub serves at /openapi.yaml. */
export function controlApiForServing(yamlText: string): string {
  return yamlText.split(BUNDLE_REF_PREFIX).join('/openapi.yaml#');
}
