// Compares two versions of a schema in one direction. A value the consumer sends breaks it when the
// schema accepts less; a value it receives breaks it when the schema may carry more, or stops
// promising something. Each change is reported at the pointer where it is (the component, not the
// operation), in the version that has it: the new one for what appeared, the old one for what went.
import type { RuleId } from './rules.js';
import {
  BOUNDS,
  boundOf,
  closedAt,
  enumView,
  propertiesOf,
  subschemaOf,
  typeNames,
  typeView,
  uniqueItemsOf,
  valuesOf,
  VALUE_KEYWORDS,
  variantsOf,
  type Bound,
  type BoundName,
  type Part,
  type Variant,
} from './schema-view.js';
import { subjectOf } from './subject.js';

export type Direction = 'sent' | 'received';

export interface SchemaContext {
  oldDoc: unknown;
  newDoc: unknown;
  direction: Direction;
  report(rule: RuleId, pointer: string, side: 'old' | 'new', message: string): void;
}

const show = (value: unknown) => JSON.stringify(value);
const boundText = (bound: Bound | undefined, name: BoundName) =>
  bound === undefined ? 'none' : `${BOUNDS[name] === 'upper' ? (bound.exclusive ? '<' : '<=') : bound.exclusive ? '>' : '>='} ${bound.value}`;

/** Whether `next` accepts fewer values than `previous` (a bound added counts). */
function tighter(name: BoundName, previous: Bound | undefined, next: Bound | undefined): boolean {
  if (!next) return false;
  if (!previous) return true;
  if (next.value !== previous.value) return BOUNDS[name] === 'upper' ? next.value < previous.value : next.value > previous.value;
  return next.exclusive && !previous.exclusive;
}

export function compareSchemas(ctx: SchemaContext, before: Part[], after: Part[], stack: Set<string> = new Set()): void {
  if (before.length === 0 || after.length === 0) return;
  // A recursive schema is compared once along a path.
  const key = `${before.map((p) => p.pointer).join('&')}|${after.map((p) => p.pointer).join('&')}`;
  if (stack.has(key)) return;
  stack.add(key);
  try {
    compareHere(ctx, before, after, stack);
  } finally {
    stack.delete(key);
  }
}

/** The keyword when one version is a `$ref` and the other a list of alternatives that has that `$ref` among them. */
function wrappedIn(ctx: SchemaContext, before: Part[], after: Part[]): 'oneOf' | 'anyOf' | undefined {
  return (['oneOf', 'anyOf'] as const).find((keyword) => {
    const previous = variantsOf(ctx.oldDoc, before, keyword);
    const next = variantsOf(ctx.newDoc, after, keyword);
    if (!previous === !next) return false;
    const whole = previous ? asVariant(after) : asVariant(before);
    return (previous ?? next)!.variants.some((variant) => variant.key === whole.key);
  });
}

function compareHere(ctx: SchemaContext, before: Part[], after: Part[], stack: Set<string>): void {
  const rule = (change: string) => `${ctx.direction}-${change}` as RuleId;
  const subjectNew = subjectOf(ctx.newDoc, after[0]!.pointer);
  const wrapped = wrappedIn(ctx, before, after);
  // `ClientId` became `anyOf: [ClientId, integer]`: compared alternative to alternative only.
  if (wrapped) return compareVariants(ctx, before, after, wrapped, stack, subjectNew);

  // Types (3.1 type lists, 3.0 nullable).
  const oldTypes = typeView(ctx.oldDoc, before);
  const newTypes = typeView(ctx.newDoc, after);
  const lost = [...oldTypes.kinds].filter((kind) => !newTypes.kinds.has(kind));
  const gained = [...newTypes.kinds].filter((kind) => !oldTypes.kinds.has(kind));
  // A type list that went away entirely is reported where it was.
  const [typeAt, typeSide] = newTypes.pointer ? [newTypes.pointer, 'new' as const] : [oldTypes.pointer ?? before[0]!.pointer, 'old' as const];
  const typeChange = `type of \`${subjectNew}\` went from ${typeNames(oldTypes.kinds)} to ${typeNames(newTypes.kinds)}`;
  if (lost.length > 0) ctx.report(rule('type-narrowed'), typeAt, typeSide, `The ${typeChange}: ${typeNames(lost)} no longer allowed.`);
  if (gained.length > 0) ctx.report(rule('type-widened'), typeAt, typeSide, `The ${typeChange}: ${typeNames(gained)} now allowed.`);

  // Enums and const.
  const oldEnum = enumView(before);
  const newEnum = enumView(after);
  if (oldEnum.values && newEnum.values) {
    const added = [...newEnum.values].filter(([k]) => !oldEnum.values!.has(k)).map(([, v]) => v);
    const removed = [...oldEnum.values].filter(([k]) => !newEnum.values!.has(k)).map(([, v]) => v);
    if (added.length > 0) ctx.report(rule('enum-value-added'), newEnum.pointer!, 'new', `\`${subjectNew}\` gained the value${added.length > 1 ? 's' : ''} ${added.map(show).join(', ')}.`);
    if (removed.length > 0) ctx.report(rule('enum-value-removed'), newEnum.pointer!, 'new', `\`${subjectNew}\` lost the value${removed.length > 1 ? 's' : ''} ${removed.map(show).join(', ')}.`);
  } else if (newEnum.values) {
    ctx.report(rule('constraint-tightened'), newEnum.pointer!, 'new', `\`${subjectNew}\` is now limited to ${[...newEnum.values.values()].map(show).join(', ')}.`);
  } else if (oldEnum.values) {
    ctx.report(rule('constraint-loosened'), oldEnum.pointer!, 'old', `\`${subjectNew}\` is no longer limited to ${[...oldEnum.values.values()].map(show).join(', ')}.`);
  }

  // Bounds.
  for (const name of Object.keys(BOUNDS) as BoundName[]) {
    const previous = boundOf(before, name);
    const next = boundOf(after, name);
    const message = `\`${subjectNew}\`: ${name} went from ${boundText(previous, name)} to ${boundText(next, name)}.`;
    if (tighter(name, previous, next)) ctx.report(rule('constraint-tightened'), next!.pointer, 'new', message);
    else if (tighter(name, next, previous)) {
      if (next) ctx.report(rule('constraint-loosened'), next.pointer, 'new', message);
      else ctx.report(rule('constraint-loosened'), previous!.pointer, 'old', message);
    }
  }

  // Keywords whose values cannot be ordered: a new value constrains more, a value gone constrains less.
  for (const keyword of VALUE_KEYWORDS) {
    const previous = valuesOf(before, keyword);
    const next = valuesOf(after, keyword);
    for (const [k, { value, pointer }] of next) {
      if (!previous.has(k)) ctx.report(rule('constraint-tightened'), pointer, 'new', `\`${subjectNew}\`: ${keyword} ${show(value)} ${previous.size > 0 ? `replaces ${[...previous.values()].map((p) => show(p.value)).join(', ')}` : 'was added'}.`);
    }
    for (const [k, { value, pointer }] of previous) {
      if (!next.has(k)) ctx.report(rule('constraint-loosened'), pointer, 'old', `\`${subjectNew}\`: ${keyword} ${show(value)} ${next.size > 0 ? 'was replaced' : 'was removed'}.`);
    }
  }
  const oldUnique = uniqueItemsOf(before);
  const newUnique = uniqueItemsOf(after);
  if (newUnique && !oldUnique) ctx.report(rule('constraint-tightened'), `${newUnique}/uniqueItems`, 'new', `\`${subjectNew}\`: items must now be unique.`);
  if (oldUnique && !newUnique) ctx.report(rule('constraint-loosened'), `${oldUnique}/uniqueItems`, 'old', `\`${subjectNew}\`: items need no longer be unique.`);

  compareProperties(ctx, before, after, stack, subjectNew);

  for (const keyword of ['items', 'additionalProperties'] as const) {
    compareSchemas(ctx, subschemaOf(ctx.oldDoc, before, keyword), subschemaOf(ctx.newDoc, after, keyword), stack);
  }
  for (const keyword of ['oneOf', 'anyOf'] as const) compareVariants(ctx, before, after, keyword, stack, subjectNew);
}

function compareProperties(ctx: SchemaContext, before: Part[], after: Part[], stack: Set<string>, subject: string): void {
  const sent = ctx.direction === 'sent';
  const rule = (change: string) => `${ctx.direction}-${change}` as RuleId;
  const oldProperties = propertiesOf(ctx.oldDoc, before);
  const newProperties = propertiesOf(ctx.newDoc, after);
  const oldClosed = closedAt(before);
  const newClosed = closedAt(after);

  if (newClosed && !oldClosed) ctx.report(rule('constraint-tightened'), newClosed, 'new', `\`${subject}\` no longer allows properties it does not list.`);
  if (oldClosed && !newClosed) ctx.report(rule('constraint-loosened'), oldClosed, 'old', `\`${subject}\` now allows properties it does not list.`);

  for (const [name, previous] of oldProperties) {
    const next = newProperties.get(name);
    if (!next) {
      if (sent) {
        ctx.report('sent-property-removed', previous.pointer, 'old', `\`${subject}.${name}\` was removed: the API no longer reads it.`);
        if (newClosed) ctx.report('sent-constraint-tightened', previous.pointer, 'old', `\`${subject}\` is closed and no longer lists \`${name}\`: a value that has it is refused.`);
      } else {
        const id: RuleId = previous.requiredAt ? 'received-property-removed' : 'received-optional-property-removed';
        ctx.report(id, previous.pointer, 'old', `\`${subject}.${name}\`${previous.requiredAt ? ', which was required,' : ''} was removed.`);
      }
      continue;
    }
    if (next.requiredAt && !previous.requiredAt) {
      ctx.report(rule('property-became-required'), next.pointer, 'new', `\`${subject}.${name}\` became required.`);
    } else if (previous.requiredAt && !next.requiredAt) {
      ctx.report(rule('property-became-optional'), next.pointer, 'new', `\`${subject}.${name}\` is no longer required.`);
    }
    compareSchemas(ctx, previous.parts, next.parts, stack);
  }
  for (const [name, next] of newProperties) {
    if (oldProperties.has(name)) continue;
    if (next.requiredAt) ctx.report(rule('property-became-required'), next.pointer, 'new', `\`${subject}.${name}\` was added as required.`);
    else ctx.report(rule('property-added'), next.pointer, 'new', `\`${subject}.${name}\` was added.`);
    if (!sent && oldClosed) ctx.report('received-constraint-loosened', next.pointer, 'new', `\`${subject}\` was closed and now lists \`${name}\`: a strict reader refuses the values that carry it.`);
  }
}

/** How a variant is named in a message: its component, or its position and type. */
function variantName(doc: unknown, variant: Variant): string {
  return variant.key.startsWith('#/') ? `\`${subjectOf(doc, variant.key)}\`` : `${variant.key.slice(1)} (${typeNames(typeView(doc, variant.parts).kinds)})`;
}

/** A whole schema as one alternative: known by its `$ref` when it is one, else as itself. */
function asVariant(parts: Part[]): Variant {
  const only = parts.length === 1 ? parts[0]!.pointer : undefined;
  return { key: only?.startsWith('#/components/') ? only : '#self', parts, pointer: parts[0]!.pointer };
}

function compareVariants(ctx: SchemaContext, before: Part[], after: Part[], keyword: 'oneOf' | 'anyOf', stack: Set<string>, subject: string): void {
  const rule = (change: string) => `${ctx.direction}-${change}` as RuleId;
  const listed = { old: variantsOf(ctx.oldDoc, before, keyword), new: variantsOf(ctx.newDoc, after, keyword) };
  if (!listed.old && !listed.new) return;
  // A schema that became (or stopped being) a list of alternatives is compared as a list of one: a
  // `$ref` that is now one alternative among others is matched, and the others are new variants.
  const previous = listed.old ?? { pointer: before[0]!.pointer, variants: [asVariant(before)] };
  const next = listed.new ?? { pointer: after[0]!.pointer, variants: [asVariant(after)] };
  if (!previous.variants.some((v) => next.variants.some((w) => w.key === v.key))) {
    if (!listed.old || !listed.new) {
      // Nothing to match: the values accepted may have grown or shrunk.
      const [at, side] = listed.new ? [listed.new.pointer, 'new' as const] : [listed.old!.pointer, 'old' as const];
      const message = listed.new ? `\`${subject}\` must now match one of ${listed.new.variants.length} ${keyword} alternatives.` : `\`${subject}\` no longer has ${keyword} alternatives.`;
      ctx.report(rule('constraint-tightened'), at, side, message);
      ctx.report(rule('constraint-loosened'), at, side, message);
      return;
    }
  }
  const nextByKey = new Map(next.variants.map((v) => [v.key, v]));
  const matched = new Set<string>();
  for (const variant of previous.variants) {
    const counterpart = nextByKey.get(variant.key);
    if (!counterpart) {
      ctx.report(rule('variant-removed'), variant.pointer, 'old', `\`${subject}\` lost the ${keyword} variant ${variantName(ctx.oldDoc, variant)}.`);
      continue;
    }
    matched.add(variant.key);
    compareSchemas(ctx, variant.parts, counterpart.parts, stack);
  }
  for (const variant of next.variants) {
    if (!matched.has(variant.key)) ctx.report(rule('variant-added'), variant.pointer, 'new', `\`${subject}\` gained the ${keyword} variant ${variantName(ctx.newDoc, variant)}.`);
  }
}
