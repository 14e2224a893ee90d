// A dereferenced copy of an OpenAPI document, made by @apidevtools/json-schema-ref-parser (the
// library express-openapi-validator itself uses): every `$ref` replaced by its target. Keywords that
// stand next to a `$ref` (allowed in OpenAPI 3.1) are kept: the library merges them into the target.
import { dereference } from '@apidevtools/json-schema-ref-parser';
import type { OpenApiDocument } from './bundle.js';

export interface DereferenceOptions {
  /** Follow references to other files (relative to `from`); off for a bundle, which has none. */
  external?: boolean;
}

/** Dereferences a document given as an object (never modified) or as a file path. */
export async function dereferenced<T extends object = OpenApiDocument>(document: T | string, options: DereferenceOptions = {}): Promise<T> {
  const external = options.external ?? typeof document === 'string';
  return (await dereference(document as never, {
    mutateInputSchema: false,
    resolve: { external, http: false },
    // The Chat API has no recursive schemas; a cycle would be a mistake, reported as such.
    dereference: { circular: false },
  })) as T;
}
