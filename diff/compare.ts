// Compares two bundled descriptions operation by operation (paths and webhooks, listed by the
// description module) and reports every change a rule knows, from the side of the consumer it
// reaches: for a path operation the app calling it sends the parameters and body and reads the
// responses; for a webhook the back end receiving it reads the parameters and payload and sends
// the acknowledgement (the webhook's responses).
import type { OpenApiDocument } from '../description/bundle.js';
import { describeOperation, describeOperations, type OperationSpec } from '../description/operations.js';
import { pointerSegment, resolve, valueAt, type Obj } from '../description/pointer.js';
import { compareSchemas, type Direction, type SchemaContext } from './compare-schema.js';
import { FindingSet, type Finding } from './findings.js';
import type { RuleId, Who } from './rules.js';
import { conjunction } from './schema-view.js';

type Side = 'old' | 'new';

/** Path templates match whatever their parameters are called: `/a/{id}` is `/a/{clientId}`. */
const operationKey = (op: OperationSpec) => `${op.kind} ${op.kind === 'path' ? op.path.replace(/\{[^}]*\}/g, '{}') : op.path} ${op.method}`;

export function diffDocuments(oldDoc: OpenApiDocument, newDoc: OpenApiDocument): Finding[] {
  const findings = new FindingSet();
  const before = new Map(describeOperations(oldDoc).map((op) => [operationKey(op), op]));
  const after = new Map(describeOperations(newDoc).map((op) => [operationKey(op), op]));
  for (const [key, op] of before) {
    if (after.has(key)) new OperationDiff(findings, oldDoc, newDoc, op, after.get(key)!).run();
    else {
      const webhook = op.kind === 'webhook';
      findings.add(
        { rule: webhook ? 'webhook-removed' : 'operation-removed', who: webhook ? 'receiver' : 'caller', pointer: op.pointer, side: 'old', message: `${describeOperation(op)} was removed.` },
        describeOperation(op),
      );
    }
  }
  for (const [key, op] of after) {
    if (before.has(key)) continue;
    const webhook = op.kind === 'webhook';
    findings.add(
      { rule: webhook ? 'webhook-added' : 'operation-added', who: webhook ? 'receiver' : 'caller', pointer: op.pointer, side: 'new', message: `${describeOperation(op)} was added.` },
      describeOperation(op),
    );
  }
  return findings.list();
}

interface Parameter {
  key: string;
  name: string;
  location: string;
  required: boolean;
  value: Obj;
  pointer: string;
}

const SERIALIZATION_DEFAULT_STYLE: Record<string, string> = { query: 'form', cookie: 'form', path: 'simple', header: 'simple' };

/** How a parameter travels: its style and explode (with their defaults), allowReserved, allowEmptyValue, or a content type. */
function serialization(p: Parameter): string {
  if (p.value.content && typeof p.value.content === 'object') return `content ${Object.keys(p.value.content as Obj).join(',')}`;
  const style = typeof p.value.style === 'string' ? p.value.style : (SERIALIZATION_DEFAULT_STYLE[p.location] ?? 'simple');
  const explode = typeof p.value.explode === 'boolean' ? p.value.explode : style === 'form';
  return `style=${style} explode=${explode} allowReserved=${p.value.allowReserved === true} allowEmptyValue=${p.value.allowEmptyValue === true}`;
}

function parameterSchema(doc: unknown, p: Parameter) {
  if (p.value.schema !== undefined) return conjunction(doc, p.value.schema, `${p.pointer}/schema`);
  const [mediaType, media] = Object.entries((p.value.content ?? {}) as Record<string, Obj>)[0] ?? [];
  return mediaType && media ? conjunction(doc, media.schema, `${p.pointer}/content/${pointerSegment(mediaType)}/schema`) : [];
}

class OperationDiff {
  private readonly who: Who;
  private readonly label: string;
  /** What the consumer does with the request side (parameters, body) and the response side. */
  private readonly requestDirection: Direction;
  private readonly responseDirection: Direction;

  constructor(
    private readonly findings: FindingSet,
    private readonly oldDoc: OpenApiDocument,
    private readonly newDoc: OpenApiDocument,
    private readonly before: OperationSpec,
    private readonly after: OperationSpec,
  ) {
    const webhook = after.kind === 'webhook';
    this.who = webhook ? 'receiver' : 'caller';
    this.label = describeOperation(after);
    this.requestDirection = webhook ? 'received' : 'sent';
    this.responseDirection = webhook ? 'sent' : 'received';
  }

  private report(rule: RuleId, pointer: string, side: Side, message: string): void {
    this.findings.add({ rule, who: this.who, pointer, side, message }, this.label);
  }

  private schemaContext(direction: Direction): SchemaContext {
    return { oldDoc: this.oldDoc, newDoc: this.newDoc, direction, report: (rule, pointer, side, message) => this.report(rule, pointer, side, message) };
  }

  private operation(side: Side): Obj {
    const spec = side === 'old' ? this.before : this.after;
    return (valueAt(side === 'old' ? this.oldDoc : this.newDoc, spec.pointer) ?? {}) as Obj;
  }

  run(): void {
    const oldOp = this.operation('old');
    const newOp = this.operation('new');
    if (typeof oldOp.operationId === 'string' && oldOp.operationId !== newOp.operationId) {
      this.report('operation-id-changed', `${this.after.pointer}/operationId`, 'new', `The operationId of ${this.label} was ${oldOp.operationId}${typeof newOp.operationId === 'string' ? '' : ' and was removed'}.`);
    }
    if (this.before.readOnly && !this.after.readOnly) {
      const at = 'x-read-only' in newOp ? `${this.after.pointer}/x-read-only` : this.after.pointer;
      this.report('read-only-revoked', at, 'new', `${this.label} is no longer x-read-only: it has lasting effects.`);
    }
    if (!this.before.readOnly && this.after.readOnly) this.report('read-only-granted', `${this.after.pointer}/x-read-only`, 'new', `${this.label} became x-read-only.`);
    this.compareSecurity(oldOp, newOp);
    this.compareParameters(this.parameters('old'), this.parameters('new'), this.requestDirection, 'parameter');
    this.compareRequestBody(oldOp, newOp);
    this.compareResponses(oldOp, newOp);
  }

  // ---- security ------------------------------------------------------------------------------

  private requirements(side: Side, op: Obj): { alternatives: Map<string, Set<string>>[]; pointer: string } {
    const doc = side === 'old' ? this.oldDoc : this.newDoc;
    const spec = side === 'old' ? this.before : this.after;
    const own = Array.isArray(op.security);
    const list = (own ? op.security : doc.security) as Obj[] | undefined;
    const alternatives = (list ?? []).map((requirement) => new Map(Object.entries(requirement).map(([name, scopes]) => [name, new Set(Array.isArray(scopes) ? scopes.map(String) : [])])));
    // No requirement at all is anonymous access: one empty alternative.
    return { alternatives: alternatives.length > 0 ? alternatives : [new Map()], pointer: own ? `${spec.pointer}/security` : '#/security' };
  }

  private compareSecurity(oldOp: Obj, newOp: Obj): void {
    const before = this.requirements('old', oldOp);
    const after = this.requirements('new', newOp);
    // `needs` asks only for credentials that `has` supplies.
    const satisfies = (needs: Map<string, Set<string>>, has: Map<string, Set<string>>) => [...needs].every(([name, scopes]) => has.has(name) && [...scopes].every((s) => has.get(name)!.has(s)));
    const describe = (alternative: Map<string, Set<string>>) => (alternative.size === 0 ? 'requests without credentials' : `credentials ${[...alternative.keys()].join(' + ')}`);
    // A consumer that sends old credentials A is still let in when some new requirement asks no more than A.
    const stranded = before.alternatives.filter((a) => !after.alternatives.some((b) => satisfies(b, a)));
    // The platform may now use credentials B that no old requirement the receiver checks is met by.
    const unchecked = after.alternatives.filter((b) => !before.alternatives.some((a) => satisfies(a, b)));
    const sent = this.requestDirection === 'sent';
    // The document's own `security` is shared: the operations it reaches are listed with the finding.
    const subject = after.pointer === '#/security' ? 'The API' : this.label;
    if (stranded.length > 0) this.report(sent ? 'sent-security-narrowed' : 'received-security-narrowed', after.pointer, 'new', `${subject} no longer accepts ${stranded.map(describe).join(', or ')}.`);
    if (unchecked.length > 0) this.report(sent ? 'sent-security-widened' : 'received-security-widened', after.pointer, 'new', `${subject} now accepts ${unchecked.map(describe).join(', or ')}.`);

    const used = new Set(before.alternatives.flatMap((a) => [...a.keys()]).filter((name) => after.alternatives.some((b) => b.has(name))));
    for (const name of used) {
      const pointer = `#/components/securitySchemes/${pointerSegment(name)}`;
      const previous = resolve(this.oldDoc, valueAt(this.oldDoc, pointer) ?? {}, pointer).value;
      const next = resolve(this.newDoc, valueAt(this.newDoc, pointer) ?? {}, pointer).value;
      const changed = ['type', 'in', 'name', 'scheme', 'bearerFormat', 'openIdConnectUrl'].filter((field) => {
        const a = previous[field];
        const b = next[field];
        return field === 'scheme' ? String(a ?? '').toLowerCase() !== String(b ?? '').toLowerCase() : a !== b;
      });
      if (changed.length > 0) this.report('security-scheme-changed', pointer, 'new', `Security scheme ${name} changed its ${changed.join(', ')}.`);
    }
  }

  // ---- parameters and headers ----------------------------------------------------------------

  private parameters(side: Side): Parameter[] {
    const doc = side === 'old' ? this.oldDoc : this.newDoc;
    const spec = side === 'old' ? this.before : this.after;
    const itemPointer = spec.pointer.slice(0, spec.pointer.lastIndexOf('/'));
    const item = (valueAt(doc, itemPointer) ?? {}) as Obj;
    const op = (item[spec.method] ?? {}) as Obj;
    const templateNames = [...spec.path.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
    const merged = new Map<string, Parameter>();
    for (const [list, at] of [
      [item.parameters, `${itemPointer}/parameters`],
      [op.parameters, `${spec.pointer}/parameters`],
    ] as const) {
      if (!Array.isArray(list)) continue;
      list.forEach((raw, index) => {
        const { value, pointer } = resolve(doc, raw, `${at}/${index}`);
        const name = String(value.name);
        const location = String(value.in);
        const key = location === 'path' && spec.kind === 'path' ? `path #${templateNames.indexOf(name)}` : location === 'header' ? `header ${name.toLowerCase()}` : `${location} ${name}`;
        merged.set(key, { key, name, location, required: value.required === true || location === 'path', value, pointer });
      });
    }
    return [...merged.values()];
  }

  private headers(side: Side, response: { value: Obj; pointer: string }): Parameter[] {
    const doc = side === 'old' ? this.oldDoc : this.newDoc;
    return Object.entries((response.value.headers ?? {}) as Obj)
      .filter(([name]) => name.toLowerCase() !== 'content-type') // described by the media type, not as a header
      .map(([name, raw]) => {
        const { value, pointer } = resolve(doc, raw, `${response.pointer}/headers/${pointerSegment(name)}`);
        return { key: `header ${name.toLowerCase()}`, name, location: 'header', required: value.required === true, value, pointer };
      });
  }

  private compareParameters(before: Parameter[], after: Parameter[], direction: Direction, noun: 'parameter' | 'header'): void {
    const sent = direction === 'sent';
    const next = new Map(after.map((p) => [p.key, p]));
    // A parameter of components/ is shared: the operations it reaches are listed with the finding.
    const what = (p: Parameter) => `${noun === 'header' ? 'header' : `${p.location} parameter`} \`${p.name}\`${p.pointer.startsWith('#/components/') ? '' : ` of ${this.label}`}`;
    for (const previous of before) {
      const counterpart = next.get(previous.key);
      if (!counterpart) {
        if (sent) this.report('sent-parameter-removed', previous.pointer, 'old', `The ${what(previous)} was removed.`);
        else this.report(previous.required ? 'received-parameter-removed' : 'received-optional-parameter-removed', previous.pointer, 'old', `The ${previous.required ? 'required' : 'optional'} ${what(previous)} was removed.`);
        continue;
      }
      if (sent && counterpart.required && !previous.required) this.report('sent-parameter-became-required', `${counterpart.pointer}/required`, 'new', `The ${what(counterpart)} became required.`);
      if (!sent && previous.required && !counterpart.required) this.report('received-parameter-became-optional', counterpart.pointer, 'new', `The ${what(counterpart)} is no longer required.`);
      if (noun === 'parameter' && serialization(previous) !== serialization(counterpart)) {
        this.report('parameter-serialization-changed', counterpart.pointer, 'new', `The ${what(counterpart)} went from ${serialization(previous)} to ${serialization(counterpart)}.`);
      }
      compareSchemas(this.schemaContext(direction), parameterSchema(this.oldDoc, previous), parameterSchema(this.newDoc, counterpart));
    }
    const known = new Set(before.map((p) => p.key));
    for (const added of after.filter((p) => !known.has(p.key))) {
      if (!sent) this.report('received-parameter-added', added.pointer, 'new', `The ${what(added)} was added.`);
      else if (added.required) this.report('sent-parameter-became-required', added.pointer, 'new', `The ${what(added)} was added as required.`);
      else this.report('sent-parameter-added', added.pointer, 'new', `The ${what(added)} was added.`);
    }
  }

  // ---- bodies and media types ----------------------------------------------------------------

  private compareContent(before: { value: Obj; pointer: string } | undefined, after: { value: Obj; pointer: string } | undefined, direction: Direction, where: string): void {
    const oldContent = (before?.value.content ?? {}) as Obj;
    const newContent = (after?.value.content ?? {}) as Obj;
    for (const [mediaType, media] of Object.entries(oldContent)) {
      const oldAt = `${before!.pointer}/content/${pointerSegment(mediaType)}`;
      if (!(mediaType in newContent)) {
        this.report(`${direction}-media-type-removed`, oldAt, 'old', `${where} of ${this.label} no longer has ${mediaType}.`);
        continue;
      }
      const newAt = `${after!.pointer}/content/${pointerSegment(mediaType)}`;
      compareSchemas(this.schemaContext(direction), conjunction(this.oldDoc, (media as Obj).schema, `${oldAt}/schema`), conjunction(this.newDoc, (newContent[mediaType] as Obj).schema, `${newAt}/schema`));
    }
    for (const mediaType of Object.keys(newContent)) {
      if (!(mediaType in oldContent)) this.report(`${direction}-media-type-added`, `${after!.pointer}/content/${pointerSegment(mediaType)}`, 'new', `${where} of ${this.label} may now be ${mediaType}.`);
    }
  }

  private compareRequestBody(oldOp: Obj, newOp: Obj): void {
    const before = oldOp.requestBody === undefined ? undefined : resolve(this.oldDoc, oldOp.requestBody, `${this.before.pointer}/requestBody`);
    const after = newOp.requestBody === undefined ? undefined : resolve(this.newDoc, newOp.requestBody, `${this.after.pointer}/requestBody`);
    const wasRequired = before?.value.required === true;
    const isRequired = after?.value.required === true;
    if (this.requestDirection === 'sent' && isRequired && !wasRequired) {
      this.report('sent-body-became-required', `${after!.pointer}/required`, 'new', `The request body of ${this.label} ${before ? 'became required' : 'was added as required'}.`);
    }
    if (this.requestDirection === 'received' && wasRequired && !isRequired) {
      this.report('received-body-became-optional', after ? after.pointer : before!.pointer, after ? 'new' : 'old', `The payload of ${this.label} ${after ? 'may now be missing' : 'was removed'}.`);
    }
    this.compareContent(before, after, this.requestDirection, this.requestDirection === 'sent' ? 'The request body' : 'The payload');
  }

  // ---- responses -----------------------------------------------------------------------------

  private compareResponses(oldOp: Obj, newOp: Obj): void {
    const direction = this.responseDirection;
    const statuses = (op: Obj) => new Map(Object.entries((op.responses ?? {}) as Obj).map(([code, raw]) => [code.toUpperCase(), { code, raw }]));
    const before = statuses(oldOp);
    const after = statuses(newOp);
    const success = (code: string) => code.startsWith('2');
    const where = (code: string) => (direction === 'sent' ? `The acknowledgement ${code}` : `The response ${code}`);
    for (const [key, { code, raw }] of before) {
      const oldAt = `${this.before.pointer}/responses/${pointerSegment(code)}`;
      const counterpart = after.get(key);
      if (!counterpart) {
        const rule: RuleId = direction === 'received' ? (success(key) ? 'received-success-status-removed' : 'received-error-status-removed') : success(key) ? 'sent-success-status-removed' : 'sent-error-status-removed';
        this.report(rule, oldAt, 'old', `${this.label} no longer ${direction === 'received' ? 'answers' : 'accepts the acknowledgement'} ${code}.`);
        continue;
      }
      const newAt = `${this.after.pointer}/responses/${pointerSegment(counterpart.code)}`;
      const previous = resolve(this.oldDoc, raw, oldAt);
      const next = resolve(this.newDoc, counterpart.raw, newAt);
      this.compareContent(previous, next, direction, where(code));
      this.compareParameters(this.headers('old', previous), this.headers('new', next), direction, 'header');
    }
    for (const [key, { code }] of after) {
      if (before.has(key)) continue;
      const rule: RuleId = direction === 'sent' ? 'sent-status-added' : success(key) ? 'received-success-status-added' : 'received-error-status-added';
      this.report(rule, `${this.after.pointer}/responses/${pointerSegment(code)}`, 'new', `${this.label} ${direction === 'received' ? 'may now answer' : 'accepts the acknowledgement'} ${code}.`);
    }
  }
}
