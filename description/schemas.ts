// Validates JSON values against schemas of the bundled description with Ajv (JSON Schema 2020-12,
// the dialect of OpenAPI 3.1), independently of Redocly and express-openapi-validator.
import { Ajv2020, type ErrorObject, type Options, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { loadDescription, type OpenApiDocument } from './bundle.js';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export interface Violation {
  /** JSON pointer into the validated value. */
  pointer: string;
  message: string;
  /** The schema keyword that failed, e.g. `required`. */
  keyword: string;
}

export interface ValidationResult {
  valid: boolean;
  violations: Violation[];
}

const DOCUMENT_ID = 'chatapi';

/**
 * Ajv's `discriminator` support rejects `mapping` (which OpenAPI tools need for precise types), so
 * the copy given to Ajv has it removed; each branch still pins `type` with `const`. Exported for
 * the precompiled validators (scripts/generate-types.ts), which give Ajv the same copy.
 */
export function withoutDiscriminatorMappings(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDiscriminatorMappings);
  if (node === null || typeof node !== 'object') return node;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'discriminator' && value && typeof value === 'object') {
      const { mapping: _mapping, ...rest } = value as Record<string, unknown>;
      copy[key] = rest;
    } else {
      copy[key] = withoutDiscriminatorMappings(value);
    }
  }
  return copy;
}

/** Turns Ajv's errors into violations with JSON pointers, most specific first, without duplicates. */
export function toViolations(errors: ErrorObject[] | null | undefined): Violation[] {
  const seen = new Set<string>();
  const violations: Violation[] = [];
  for (const error of errors ?? []) {
    const pointer =
      error.keyword === 'required'
        ? `${error.instancePath}/${String((error.params as { missingProperty: string }).missingProperty)}`
        : error.instancePath || '/';
    const message = error.message ?? error.keyword;
    const key = `${pointer} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    violations.push({ pointer, message, keyword: error.keyword });
  }
  return violations;
}

/**
 * The one Ajv setup for the description's schemas (JSON Schema 2020-12, the dialect of OpenAPI 3.1):
 * every error reported, formats checked, and OpenAPI's own keywords (example, x-provenance…) allowed.
 */
export function createAjv(options: Options = {}): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, discriminator: true, strict: false, validateFormats: true, ...options });
  addFormats(ajv);
  return ajv;
}

export class SchemaValidator {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly document: OpenApiDocument = loadDescription()) {
    this.ajv = createAjv();
    this.ajv.addSchema(withoutDiscriminatorMappings(document) as object, DOCUMENT_ID);
  }

  /** Validates `value` against the schema at `pointer` (a JSON pointer into the description, e.g. `#/components/schemas/Error`). */
  validate(pointer: string, value: unknown): ValidationResult {
    const validate = this.compiledAt(pointer);
    const valid = validate(value) as boolean;
    return { valid, violations: valid ? [] : toViolations(validate.errors) };
  }

  /**
   * Ajv's own errors for `value` against the schema at `pointer` (none when it is valid), with the
   * `schemaPath` and `params` that `validate` drops: for readers that place each error at the
   * keyword of the schema that made it (the evidence command's walk).
   */
  errors(pointer: string, value: unknown): ErrorObject[] {
    const validate = this.compiledAt(pointer);
    return validate(value) ? [] : [...(validate.errors ?? [])];
  }

  private compiledAt(pointer: string): ValidateFunction {
    let validate = this.compiled.get(pointer);
    if (!validate) {
      const found = this.ajv.getSchema(`${DOCUMENT_ID}${pointer}`);
      if (!found) throw new Error(`No schema at ${pointer} in the description.`);
      validate = found;
      this.compiled.set(pointer, validate);
    }
    return validate;
  }

  /** Validates against a named schema of `components/schemas`. */
  validateSchema(name: string, value: unknown): ValidationResult {
    return this.validate(`#/components/schemas/${name}`, value);
  }
}
