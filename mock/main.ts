// `npm run mock` (the description's examples) and `npm run mock:dynamic` (data generated from the
// schemas with a fixed seed): Prism on MOCK_PORT (default 4010), logging at warn so that it keeps
// its throughput. Stopping this process stops Prism.
import { parseArgs } from 'node:util';
import { startPrism } from './prism.js';

const USAGE = `Usage: chatapi-mock [--dynamic] [--port N]

Prism serving the Chat API description's examples (or, with --dynamic, data generated from its
schemas with the seed MOCK_SEED, default "chatapi") on MOCK_HOST:MOCK_PORT (127.0.0.1:4010).`;

let flags: { dynamic?: boolean; port?: string; help?: boolean };
try {
  flags = parseArgs({ options: { dynamic: { type: 'boolean' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
} catch (error) {
  console.error(`chatapi-mock: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}
const dynamic = flags.dynamic === true;

/**
 * Prism's json-schema-faker (0.5) reads `exclusiveMinimum` the OpenAPI 3.0 way (a boolean) and
 * ignores the 3.1 number, so `interval` (exclusiveMinimum 0) comes out as 0, which the
 * description rejects. An added inclusive `minimum` one above keeps generated data valid.
 */
function boundExclusiveMinimums(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(boundExclusiveMinimums);
  if (node === null || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  if (typeof schema.exclusiveMinimum === 'number' && schema.minimum === undefined) schema.minimum = schema.exclusiveMinimum + 1;
  Object.values(schema).forEach(boundExclusiveMinimums);
}

/**
 * The description allows 250 events of 100 replies each, and json-schema-faker fills them: one
 * generated events response is megabytes and takes seconds. The mock's copy caps those arrays
 * (still valid against the description). Prism's `x-json-schema-faker: {maxItems}` would be the
 * documented way, but it does not reach the generator when npm installs two copies of
 * json-schema-faker (prism-cli's and prism-http's), as it does in this project.
 */
function capGeneratedArrays(document: Record<string, unknown>): void {
  boundExclusiveMinimums(document);
  type Schema = { properties?: Record<string, { maxItems?: number }> };
  const schemas = (document.components as { schemas?: Record<string, Schema> } | undefined)?.schemas;
  for (const [name, property] of [['EventsResponse', 'events'], ['BotResponseData', 'replies']] as const) {
    const array = schemas?.[name]?.properties?.[property];
    if (!array) throw new Error(`mock: ${name}.${property} is not in the description any more; update capGeneratedArrays`);
    array.maxItems = 3;
  }
}
const port = Number(flags.port ?? process.env.MOCK_PORT ?? 4010);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`${flags.port !== undefined ? '--port' : 'MOCK_PORT'} must be a port number, not ${flags.port ?? process.env.MOCK_PORT}`);
  process.exit(2);
}

const prism = await startPrism({
  port,
  host: process.env.MOCK_HOST ?? '127.0.0.1',
  dynamic,
  seed: process.env.MOCK_SEED ?? 'chatapi',
  ...(dynamic ? { patchDocument: capGeneratedArrays } : {}),
  verbosity: 'warn',
  inheritOutput: true,
}).catch((error: unknown) => {
  // Prism missing, the port taken, Prism not starting: the mock could not run (exit 2), said in a line.
  console.error(`chatapi-mock: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
});
// Printed once Prism answers: the port accepts connections only from then on.
console.log(`Chat API mock (${dynamic ? 'dynamic data' : 'examples'}) on ${prism.url}`);

// Forward the stop signals: without this a Ctrl-C or `kill` of npm would leave Prism running.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopping = true;
    void prism.close();
  });
}
// A stop we asked for is a clean exit; Prism dying on its own is not.
prism.process.once('exit', (code) => void prism.close().then(() => process.exit(stopping ? 0 : (code ?? 1))));
