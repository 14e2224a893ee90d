// express-openapi-validator over the Chat API and control API descriptions, set up as its
// documentation says: the document as an object (dereferenced by the description module, so that
// the validator's preprocessor has no $ref targets to compile just to look them up), its own
// options, and every middleware it returns.
import type { RequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { loadDescription, type OpenApiDocument } from '../description/bundle.js';
import { dereferenced } from '../description/dereference.js';

type JsonObject = Record<string, unknown>;

/**
 * The Chat API description as the validator gets it: dereferenced, with one relative server (the
 * stub serves the API at its own origin). A fresh copy each time: the validator's preprocessor
 * changes the schemas it is given. A `$ref` that does not resolve fails here, naming it.
 */
export async function chatApiSpecForValidator(document: OpenApiDocument = loadDescription()): Promise<JsonObject> {
  const { openapi, info, paths } = await dereferenced(document);
  return { openapi, info, servers: [{ url: '/' }], paths };
}

/** The control API for the validator: its references into the bundle (`../dist/openapi.yaml#…`) resolved by the library from the file. */
export async function controlApiSpecForValidator(controlApiFile: string): Promise<JsonObject> {
  const { openapi, info, paths } = await dereferenced<OpenApiDocument>(controlApiFile);
  return { openapi, info, servers: [{ url: '/' }], paths };
}

export interface ValidatorOptions {
  validateResponses: boolean;
}

export function validatorMiddleware(apiSpec: JsonObject, options: ValidatorOptions): RequestHandler[] {
  return OpenApiValidator.middleware({
    apiSpec: apiSpec as never,
    // The document comes dereferenced: the library's dereference mode then only walks it (2-4 ms),
    // where its default, bundling, re-crawls every inlined schema (14-16 ms of start-up).
    $refParser: { mode: 'dereference' },
    // Redocly lints the description (`npm run lint`); the stub does not check it again at start-up.
    validateApiSpec: false,
    // A JVM web stack ignores query parameters it does not bind, and browsers add cache-busters to long polls.
    validateRequests: { allowUnknownQueryParameters: true },
    validateResponses: options.validateResponses,
    validateSecurity: false,
    // No multipart operations: leave multer out of the chain.
    fileUploader: false,
  }) as unknown as RequestHandler[];
}

/** How control-api.yaml refers to the Chat API bundle (a path that resolves from server-stub/ on disk). */
export const BUNDLE_REF_PREFIX = '../dist/openapi.yaml#';

/** The control API as served at /_stub/openapi.yaml: its references point at the bundle the stub serves at /openapi.yaml. */
export function controlApiForServing(yamlText: string): string {
  return yamlText.split(BUNDLE_REF_PREFIX).join('/openapi.yaml#');
}
