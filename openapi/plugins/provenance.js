// Redocly plugin for the x-provenance convention of this description.
//
// Every operation (webhooks included) and every top-level schema says how sure we are of it:
//   x-provenance: { level: documented | observed | inferred, note: "<one line of evidence>" }
// The rule makes lint fail when a mark is missing or malformed; the decorator copies the mark into
// the description at bundle time, so that the rendered docs show it (Redoc does not render
// x- extensions) without writing it twice in the source.

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

function appendBadge(node) {
  const mark = node['x-provenance'];
  if (!mark || !LEVELS.includes(mark.level)) return;
  const description = typeof node.description === 'string' ? node.description : '';
  if (description.includes(BADGE_START)) return; // bundling a bundle: already there
  node.description = `${description.trimEnd()}${BADGE_START} ${mark.level}.** ${mark.note}`;
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
  return {
    Operation: { leave: appendBadge },
    Schema: {
      leave(schema, ctx) {
        if (isTopLevelSchema(ctx)) appendBadge(schema);
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
