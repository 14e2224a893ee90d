// Starts the Prism mock (5.14.2) on the bundled description, for `npm run mock` and for tests.
// Prism is spawned directly (not through `npm run`) so that we hold its own PID and can stop it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describeOperations } from '../description/operations.js';
import { parameterValid } from '../contract/engine/requests/parameters.js';
import { BUNDLE_JSON, BUNDLE_YAML, loadDescription } from '../description/bundle.js';
import { SchemaValidator } from '../description/schemas.js';
import { startGuard } from './guard.js';
import { Router } from '../description/router.js';
import { transportLimits } from '../server-stub/transport-limits.js';

export interface PrismOptions {
  port?: number;
  host?: string;
  /** Generate data from the schemas (json-schema-faker) instead of serving the examples. */
  dynamic?: boolean;
  /** Seed for dynamic data, so that runs repeat. */
  seed?: string;
  /** Prism's log level; `warn` keeps its logging from halving its throughput. */
  verbosity?: 'warn' | 'info' | 'error' | 'silent';
  /** Give up if Prism does not answer within this time. */
  readyTimeoutMs?: number;
  /** Pass Prism's output through to this process (for `npm run mock`). */
  inheritOutput?: boolean;
  /** Serve a temporary copy of the bundle changed by this function (e.g. to keep generated arrays small). */
  patchDocument?: (document: Record<string, unknown>) => void;
}

export interface RunningPrism {
  url: string;
  process: ChildProcess;
  close(): Promise<void>;
}

/** Prism is an optional peer of the published package: say how to get it rather than fail to spawn. */
export class PrismMissingError extends Error {
  override name = 'PrismMissingError';
}

/**
 * Prism's entry script, wherever npm put @stoplight/prism-cli: this repository's node_modules, or
 * beside chatapi-contract in a consumer's project.
 */
export function prismEntry(): string {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve('@stoplight/prism-cli/package.json');
  } catch {
    throw new PrismMissingError('the mock needs Prism: npm install --save-dev @stoplight/prism-cli@5.14.2');
  }
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: string | Record<string, string> };
  return join(dirname(manifest), typeof bin === 'string' ? bin : bin.prism!);
}

/** Query parameters that no operation lets be empty, read from the description. */
export function nonEmptyQueryParameters(document = loadDescription()): Set<string> {
  const validator = new SchemaValidator(document);
  const byName = new Map<string, boolean>();
  for (const op of describeOperations(document)) {
    for (const p of op.parameters.filter((q) => q.in === 'query')) {
      const forbids = !parameterValid(p.schema, '', (value) => validator.validate(p.schemaPointer, value).valid);
      byName.set(p.name, (byName.get(p.name) ?? true) && forbids);
    }
  }
  return new Set([...byName].filter(([, forbids]) => forbids).map(([name]) => name));
}

/** Any free port on loopback: Prism needs a number up front. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Fails now, naming the address, when something else listens there: not after Prism's two seconds. */
async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const { createServer } = await import('node:net');
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new Error(`${host}:${port} is in use: stop what listens there, or choose another port`) : error));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

export async function startPrism(options: PrismOptions = {}): Promise<RunningPrism> {
  const host = options.host ?? '127.0.0.1';
  const entry = prismEntry(); // before anything listens: a missing Prism leaves nothing behind
  await checkPortFree(host, options.port ?? 0);
  // Prism listens on a private loopback port; the guard takes the public one once Prism answers,
  // so that nothing is accepted there (and answered 502) while Prism is still starting.
  const prismPort = await freePort('127.0.0.1');
  let document = BUNDLE_YAML;
  let removeCopy: () => Promise<void> = async () => {};
  if (options.patchDocument) {
    const dir = await mkdtemp(join(tmpdir(), 'chatapi-prism-'));
    const bundle = JSON.parse(await readFile(BUNDLE_JSON, 'utf8')) as Record<string, unknown>;
    options.patchDocument(bundle);
    document = join(dir, 'openapi.json');
    await writeFile(document, JSON.stringify(bundle));
    removeCopy = () => rm(dir, { recursive: true, force: true });
  }
  const args = ['mock', document, '-h', '127.0.0.1', '-p', String(prismPort), '-v', options.verbosity ?? 'warn'];
  if (options.dynamic) args.push('-d', '--seed', options.seed ?? 'chatapi');
  // Node runs Prism's script itself: the PID we hold is Prism's, with no shell or shim between.
  const child = spawn(process.execPath, [entry, ...args], { stdio: options.inheritOutput ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const stopPrism = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });

  try {
    await untilPrismAnswers(child, prismPort, options.readyTimeoutMs ?? 20_000, () => output);
    const description = loadDescription();
    const guard = await startGuard({
      host,
      port: options.port ?? 0,
      upstream: { host: '127.0.0.1', port: prismPort },
      nonEmptyQuery: nonEmptyQueryParameters(description),
      limits: transportLimits(description),
      router: new Router(describeOperations(description)),
    });
    const address = guard.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return {
      url: `http://${host}:${port}`,
      process: child,
      close: () => stopPrism().then(() => Promise.all([guard.close(), removeCopy()])).then(() => undefined),
    };
  } catch (error) {
    await stopPrism();
    await removeCopy();
    throw error;
  }
}

/** Prism takes about 2 s to become ready and says so only in its logs: poll it until it answers. */
async function untilPrismAnswers(child: ChildProcess, port: number, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Prism exited with ${child.exitCode}:\n${output()}`);
    try {
      await fetch(`http://127.0.0.1:${port}/chatapi/ready-probe/client/probe/message-not-read-count`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`Prism did not answer on 127.0.0.1:${port} within ${timeoutMs} ms:\n${output()}`);
}
