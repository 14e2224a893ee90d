// Redocly plugin for the x-provenance convention of this description.
//
// Every operation (webhooks included) and every top-level schema says how sure we are of it:
//   x-provenance: { level: documented | observed | inferred, note: "<one line of evidence>" }
// The rule makes lint fail when a mark is missing or malformed; the decorator copies the mark into
// the description at bundle time, so that the rendered docs show it (Redoc does not render
// x- extensions) without writing it twice in the source.
//
// Compactly: a shared field type (a schema with no fields of its own, like ClientId) is shown under
// every field that uses it, so its mark is only a short "(Provenance: level)" there, and its note is
// listed once, in a table at the end of the introduction.

const LEVELS = ['documented', 'observed', 'inferred'];

/** A top-level schema: a file of components/schemas in the source, or a named schema in a bundle. */
function isTopLevelSchema(ctx) {
  const { pointer, source } = ctx.location;
  if (/^#\/components\/schemas\/[^/]+$/.test(pointer)) return true;
  return pointer === '#/' && /[\\/]components[\\/]schemas[\\/][^\\/]+\.ya?ml$/.test(source.absoluteRef);
}

function checkMark(node, ctx) {
  const mark = node['x-provenance'];
  if (mark === undefined) {
    ctx.report({ message: 'Missing `x-provenance` ({ level, note }).', location: ctx.location.key() });
    return;
  }
  if (!mark || typeof mark !== 'object' || !LEVELS.includes(mark.level)) {
    ctx.report({
      message: `\`x-provenance.level\` must be one of ${LEVELS.join(', ')}.`,
      location: ctx.location.child('x-provenance'),
    });
  }
  if (!mark || typeof mark.note !== 'string' || mark.note.trim() === '' || mark.note.includes('\n')) {
    ctx.report({
      message: '`x-provenance.note` must be one line of evidence.',
      location: ctx.location.child('x-provenance'),
    });
  }
}

const BADGE_START = '\n\n---\n**Provenance:';
const COMPACT_START = ' *(Provenance:';
const TABLE_HEADING = '## Provenance of shared field types';

function appendBadge(node) {
  const mark = node['x-provenance'];
  if (!mark || !LEVELS.includes(mark.level)) return;
  const description = typeof node.description === 'string' ? node.description : '';
  if (description.includes(BADGE_START)) return; // bundling a bundle: already there
  node.description = `${description.trimEnd()}${BADGE_START} ${mark.level}.** ${mark.note}`;
}

/** A schema without fields, items or alternatives of its own: it is shown inline under each field that uses it. */
function isFieldType(schema) {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('object') || types.includes('array')) return false;
  return !schema.properties && !schema.items && !schema.oneOf && !schema.anyOf && !schema.allOf;
}

function schemaName(schema, ctx) {
  if (typeof schema.title === 'string') return schema.title;
  const { pointer, source } = ctx.location;
  const fromPointer = /^#\/components\/schemas\/([^/]+)$/.exec(pointer);
  if (fromPointer) return fromPointer[1];
  return source.absoluteRef.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/, '');
}

function appendCompactBadge(schema) {
  const mark = schema['x-provenance'];
  const description = typeof schema.description === 'string' ? schema.description : '';
  if (description.includes(COMPACT_START)) return;
  schema.description = `${description.trimEnd()}${COMPACT_START} ${mark.level}.)*`;
}

function ProvenanceRequired() {
  return {
    Operation: { enter: checkMark },
    Schema: {
      enter(schema, ctx) {
        if (isTopLevelSchema(ctx)) checkMark(schema, ctx);
      },
    },
  };
}

function ProvenanceInDescription() {
  /** Field types seen, by name, for the table in the introduction. */
  const fieldTypes = new Map();
  return {
    Operation: { leave: appendBadge },
    Schema: {
      leave(schema, ctx) {
        if (!isTopLevelSchema(ctx)) return;
        const mark = schema['x-provenance'];
        if (mark && LEVELS.includes(mark.level) && isFieldType(schema)) {
          fieldTypes.set(schemaName(schema, ctx), mark);
          appendCompactBadge(schema);
        } else appendBadge(schema);
      },
    },
    Root: {
      leave(root) {
        if (fieldTypes.size === 0 || !root.info) return;
        const description = typeof root.info.description === 'string' ? root.info.description : '';
        if (description.includes(TABLE_HEADING)) return;
        const rows = [...fieldTypes.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, mark]) => `| \`${name}\` | ${mark.level} | ${mark.note.replace(/\|/g, '\\|')} |`);
        root.info.description = [description.trimEnd(), '', TABLE_HEADING, '', 'Shared field types show only their level under each field; the evidence is here, once.', '', '| type | provenance | evidence |', '| --- | --- | --- |', ...rows, ''].join('\n');
      },
    },
  };
}

export default function provenancePlugin() {
  return {
    id: 'provenance',
    rules: { oas3: { 'provenance-required': ProvenanceRequired } },
    decorators: { oas3: { 'provenance-in-description': ProvenanceInDescription } },
  };
}
