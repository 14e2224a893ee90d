// Redocly plugin for the x-read-only convention of this description.
//
// Every operation of `paths` says whether calling it has a lasting effect:
//   x-read-only: true    (it only reads: safe against a production channel)
//   x-read-only: false   (it sends a message, sets a status, saves state…)
// The HTTP method is no guide here (`GET /chatapi/{token}` sends a message), so the description
// says it, and `chatapi-contract --read-only` calls only the operations marked true. The rule makes
// lint fail when an operation does not say: a new operation must decide, not default to "safe".

function ReadOnlyDeclared() {
  // Operations of `paths` only: a webhook is called by the service, never by a client.
  return {
    Paths: {
      PathItem: {
        Operation: {
          enter(operation, ctx) {
            if (typeof operation['x-read-only'] === 'boolean') return;
            ctx.report({
              message: 'Missing `x-read-only` (true: the operation has no lasting effect; false: it has one).',
              location: ctx.location.key(),
            });
          },
        },
      },
    },
  };
}

export default function readOnlyPlugin() {
  return {
    id: 'read-only',
    rules: { oas3: { 'read-only-declared': ReadOnlyDeclared } },
  };
}
