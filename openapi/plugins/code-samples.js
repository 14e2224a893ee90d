// Redocly plugin: code samples (`x-codeSamples`, which Redoc renders) for every operation, written
// at bundle time from the operation's own examples so that they cannot drift from the description:
//   - the base URL is the first server, and each path parameter the first of its examples;
//   - query parameters: the required ones, and the first optional one that has an example (enough
//     to show the form without combining parameters that exclude each other, like query and event);
//   - the body is the first named example of the JSON request body.
// Each operation gets a curl command and a call of the typed client (`chatapi-contract/client`),
// whose methods are named after the operationIds; the webhook gets a curl that posts its example
// as the platform would, and a receiver (`chatapi-contract/webhook`). With the option
// `client: fetch` (the stub's control API, which has no typed client) the TypeScript sample uses fetch. test/description checks that
// the TypeScript samples compile against the client and that the curl samples work on the stub.

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** How a body is passed to the client's method when the method also takes path or query parameters (default: its fields spread). */
const BODY_ARGUMENT = { saveState: 'state' };

/** The webhook URL used in the webhook's sample (a receiver on the developer's machine). */
const WEBHOOK_URL = 'http://127.0.0.1:4000/chatapi-webhook';

const resolved = (ctx, node) => (node && typeof node === 'object' && typeof node.$ref === 'string' ? ctx.resolve(node).node : node);

/** The first example value of a parameter or media type (`example`, else the first of `examples`). */
function firstExample(ctx, holder) {
  if (!holder) return undefined;
  if (holder.example !== undefined) return { value: holder.example };
  const examples = holder.examples && typeof holder.examples === 'object' ? Object.values(holder.examples) : [];
  for (const example of examples) {
    const value = resolved(ctx, example);
    if (value && value.value !== undefined) return { value: value.value };
  }
  return undefined;
}

const shellQuote = (text) => `'${String(text).replace(/'/g, `'\\''`)}'`;

function curlSample(method, url, body) {
  const lines = [`curl -s${method === 'GET' ? '' : ` -X ${method}`} ${shellQuote(url)}`];
  if (body !== undefined) {
    lines.push(`-H 'Content-Type: application/json'`);
    lines.push(`-d ${shellQuote(JSON.stringify(body))}`);
  }
  return lines.join(' \\\n  ');
}

/** A TypeScript literal of a JSON value, indented for the sample. */
const literal = (value) => JSON.stringify(value, null, 2).replace(/\n/g, '\n');

function clientSample(baseUrl, token, operationId, args) {
  const call = args === undefined ? `chat.${operationId}()` : `chat.${operationId}(${literal(args)})`;
  return [
    `import { createChatApiClient } from 'chatapi-contract/client';`,
    ``,
    `const chat = createChatApiClient({ baseUrl: ${JSON.stringify(baseUrl)}, token: ${JSON.stringify(token)} });`,
    `const result = await ${call};`,
    `if (result.ok) console.log(result.data);`,
    `else console.error(result.status, result.error.message); // typed by status, never thrown`,
  ].join('\n');
}

function webhookSamples(payload) {
  return [
    { lang: 'curl', label: 'curl (as the platform posts it)', source: curlSample('POST', WEBHOOK_URL, payload) },
    {
      lang: 'TypeScript',
      label: 'TypeScript (receiver)',
      source: [
        `import { createServer } from 'node:http';`,
        `import { createWebhookHandler } from 'chatapi-contract/webhook';`,
        ``,
        `// Validates the payload against the description, answers 200, then calls back once per item.`,
        `createServer(`,
        `  createWebhookHandler(async (item) => {`,
        `    console.log(item.clientId, item.questionId, item.data.answer);`,
        `  }),`,
        `).listen(4000, '127.0.0.1');`,
      ].join('\n'),
    },
  ];
}

function fetchSample(method, url, body) {
  const init = body === undefined ? (method === 'GET' ? '' : `, { method: '${method}' }`) : `, {\n  method: '${method}',\n  headers: { 'content-type': 'application/json' },\n  body: JSON.stringify(${literal(body).replace(/\n/g, '\n  ')}),\n}`;
  return [
    `const response = await fetch(${JSON.stringify(url)}${init});`,
    `console.log(response.status, response.status === 204 ? '' : await response.json());`,
  ].join('\n');
}

function samplesFor(ctx, path, method, operation, pathItem, baseUrl, client) {
  const parameters = [...(pathItem.parameters ?? []), ...(operation.parameters ?? [])].map((p) => resolved(ctx, p)).filter((p) => p && p.name);
  const values = { path: {}, query: {} };
  let optionalTaken = false;
  for (const parameter of parameters) {
    if (parameter.in !== 'path' && parameter.in !== 'query') continue;
    const example = firstExample(ctx, parameter);
    if (!example) continue;
    if (parameter.in === 'query' && !parameter.required) {
      if (optionalTaken) continue;
      optionalTaken = true;
    }
    values[parameter.in][parameter.name] = example.value;
  }
  const media = resolved(ctx, resolved(ctx, operation.requestBody)?.content?.['application/json']);
  const body = firstExample(ctx, media)?.value;

  const url =
    baseUrl +
    path.replace(/\{([^}]+)\}/g, (all, name) => (name in values.path ? encodeURIComponent(String(values.path[name])).replace(/%3A/gi, ':') : all)) +
    (Object.keys(values.query).length ? `?${new URLSearchParams(Object.entries(values.query).map(([k, v]) => [k, String(v)]))}` : '');

  // The client fills in the token; its methods take the other parameters (and the body) as one object.
  const { token, ...pathRest } = values.path;
  const params = { ...pathRest, ...values.query };
  let args;
  if (body === undefined) args = Object.keys(params).length ? params : undefined;
  else if (Object.keys(params).length === 0) args = body;
  else args = BODY_ARGUMENT[operation.operationId] ? { ...params, [BODY_ARGUMENT[operation.operationId]]: body } : { ...params, ...body };

  const typescript =
    client === 'fetch'
      ? { lang: 'TypeScript', label: 'TypeScript (fetch)', source: fetchSample(method.toUpperCase(), url, body) }
      : { lang: 'TypeScript', label: 'TypeScript (typed client)', source: clientSample(baseUrl, String(token ?? ''), operation.operationId, args) };
  return [{ lang: 'curl', label: 'curl', source: curlSample(method.toUpperCase(), url, body) }, typescript];
}

function CodeSamples(options = {}) {
  const client = options.client === 'fetch' ? 'fetch' : 'chatapi';
  let baseUrl = '';
  return {
    Root: {
      enter(root) {
        baseUrl = root.servers?.[0]?.url ?? '';
      },
    },
    // Webhooks: their path items are keyed by name, not by path.
    WebhooksMap: {
      PathItem: {
        leave(item, ctx) {
          const operation = resolved(ctx, item.post);
          if (!operation || operation['x-codeSamples']) return;
          const media = resolved(ctx, resolved(ctx, operation.requestBody)?.content?.['application/json']);
          operation['x-codeSamples'] = webhookSamples(firstExample(ctx, media)?.value ?? []);
        },
      },
    },
    Paths: {
      PathItem: {
        leave(item, ctx) {
          const path = ctx.key;
          for (const method of METHODS) {
            const operation = resolved(ctx, item[method]);
            if (!operation || operation['x-codeSamples']) continue; // hand-written samples win
            operation['x-codeSamples'] = samplesFor(ctx, String(path), method, operation, item, baseUrl, client);
          }
        },
      },
    },
  };
}

export default function codeSamplesPlugin() {
  return {
    id: 'code-samples',
    decorators: { oas3: { 'from-examples': CodeSamples } },
  };
}
