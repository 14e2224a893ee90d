// The one module that answers questions about the Chat API description: it loads the bundle once
// and gives its operations, values by JSON pointer, a dereferenced copy and one Ajv setup. The stub,
// the contract suite, the webhook receiver, the mock, the scripts and the tests all read it here.
import { BUNDLE_JSON, loadDescription, type OpenApiDocument } from './bundle.js';
import { dereferenced } from './dereference.js';
import { describeOperations, type OperationSpec } from './operations.js';
import { valueAt } from './pointer.js';
import { SchemaValidator } from './schemas.js';

export * from './bundle.js';
export * from './dereference.js';
export * from './operations.js';
export * from './pointer.js';
export * from './schemas.js';

export class Description {
  private operationList?: OperationSpec[];
  private validator?: SchemaValidator;
  private dereferencedCopy?: Promise<OpenApiDocument>;
  private wholeOperations?: Promise<OperationSpec[]>;

  constructor(readonly document: OpenApiDocument) {}

  /** The bundled description (dist/openapi.json), or another bundle file; each file is read once. */
  static load(path: string = BUNDLE_JSON): Description {
    let found = loaded.get(path);
    if (!found) loaded.set(path, (found = new Description(loadDescription(path))));
    return found;
  }

  /** Every operation, paths then webhooks, in document order. */
  get operations(): OperationSpec[] {
    return (this.operationList ??= describeOperations(this.document));
  }

  operation(operationId: string): OperationSpec | undefined {
    return this.operations.find((op) => op.operationId === operationId);
  }

  valueAt(pointer: string): unknown {
    return valueAt(this.document, pointer);
  }

  /** Ajv over the whole document (built on first use: compiling costs ~100 ms). */
  get schemas(): SchemaValidator {
    return (this.validator ??= new SchemaValidator(this.document));
  }

  /** The document with every `$ref` replaced by its target (made once; do not modify it). */
  dereferenced(): Promise<OpenApiDocument> {
    return (this.dereferencedCopy ??= dereferenced(this.document));
  }

  /** The operations with every schema whole (from the dereferenced copy), for generators that walk schemas. */
  dereferencedOperations(): Promise<OperationSpec[]> {
    return (this.wholeOperations ??= this.dereferenced().then((schemas) => describeOperations(this.document, { schemas })));
  }
}

const loaded = new Map<string, Description>();
export * from './router.js';
