#!/usr/bin/env node
// `npm run build` (and `npm start`, `npm test`, which build first): the bundle, the docs and the
// compiled code, each step done only when what it is made from changed, so that a start with
// nothing changed costs a fraction of a second instead of a full build.
//
//   bundle        dist/openapi.yaml, dist/openapi.json    from openapi/**, redocly.yaml
//   docs          dist/docs.html                          from the same
//   control-docs  dist/control-api.html                   from server-stub/control-api*.yaml, the bundle
//   compile       build/, client/dist/                    tsc --build (its own up-to-date check)
//
// A Redocly step's inputs (every file, by content, and the Redocly version) are hashed; the hash is
// recorded in dist/.build-state.json once the step succeeds, and the step is skipped while its
// outputs exist and the hash is the same. Hashing contents, not times, means a checkout or a save
// that changes nothing rebuilds nothing. The environment is not an input: changing PORT or any
// CHATAPI_* variable never rebuilds. TypeScript is left to `tsc --build`, which compares its inputs'
// modification times with its outputs' and recompiles only then; tsc itself (half a second to load)
// is not even started while no file of the working tree and no compiled file changed (path, size,
// modification time) since its last successful run.
//
// Usage: node scripts/build.mjs [bundle|docs|control-docs|compile ...] [--force] [--clean]
//   (no step: all of them; --force: run the chosen steps even when up to date; --clean: delete
//   build/, dist/ and client/dist/ first, as `npm pack` does, so that no stale file is shipped)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const STATE = join(root, 'dist', '.build-state.json');
const require = createRequire(import.meta.url);
const redoclyVersion = JSON.parse(readFileSync(require.resolve('@redocly/cli/package.json'), 'utf8')).version;

const redocly = (...args) => ['node', [join(root, 'scripts', 'redocly.mjs'), ...args]];
const offline = (file) => ['node', [join(root, 'scripts', 'offline-docs.mjs'), file]];
const DESCRIPTION_SOURCES = ['openapi', 'redocly.yaml', 'scripts/redocly.mjs'];

/** The steps in the order they run; a step reads only what the steps before it wrote. */
const STEPS = {
  bundle: {
    inputs: DESCRIPTION_SOURCES,
    outputs: ['dist/openapi.yaml', 'dist/openapi.json'],
    commands: [redocly('bundle', 'chatapi', '-o', 'dist/openapi.yaml'), redocly('bundle', 'chatapi', '-o', 'dist/openapi.json')],
  },
  docs: {
    inputs: [...DESCRIPTION_SOURCES, 'scripts/offline-docs.mjs'],
    outputs: ['dist/docs.html'],
    commands: [redocly('build-docs', 'chatapi-docs', '-o', 'dist/docs.html', '--inlineBundle', '--title', 'Chat API'), offline('dist/docs.html')],
  },
  'control-docs': {
    // control-api.yaml refers to the bundle's schemas, and its config to the code-samples plugin.
    inputs: ['server-stub/control-api.yaml', 'server-stub/control-api.redocly.yaml', 'openapi/plugins', 'dist/openapi.yaml', 'scripts/redocly.mjs', 'scripts/offline-docs.mjs'],
    outputs: ['dist/control-api.html'],
    commands: [
      redocly('build-docs', 'server-stub/control-api.yaml', '--config', 'server-stub/control-api.redocly.yaml', '-o', 'dist/control-api.html', '--inlineBundle', '--title', 'Chat API server stub: control API'),
      offline('dist/control-api.html'),
    ],
  },
  compile: {
    // tsc --build decides (timestamps, the .tsbuildinfo files), when anything changed at all.
    fingerprint: () => treeFingerprint(),
    commands: [['node', [require.resolve('typescript/bin/tsc'), '--build', 'tsconfig.build.json', 'client/tsconfig.build.json']]],
  },
};

/** Left out of the compile step's fingerprint: what git and npm keep, and what the other steps and the tools write. */
const SKIPPED_NAMES = new Set(['.git', 'node_modules']);
const SKIPPED_PATHS = new Set(['dist', 'reports', 'release']);

/** Path, size and modification time of every file of the tree: the sources and the compiled files (build/, client/dist/). */
function treeFingerprint() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_NAMES.has(entry.name) && !SKIPPED_PATHS.has(path)) walk(path);
      } else if (entry.isFile()) {
        const { size, mtimeMs } = statSync(join(root, path));
        hash.update(`${path} ${size} ${mtimeMs}\n`);
      }
    }
  };
  walk('');
  return hash.digest('hex');
}

/** Every file under the inputs (files or folders), sorted, as paths relative to the root. */
function filesOf(inputs) {
  const files = [];
  for (const input of inputs) {
    const absolute = join(root, input);
    if (!existsSync(absolute)) files.push(`${input} (missing)`);
    else if (!statSync(absolute).isDirectory()) files.push(input);
    else for (const entry of readdirSync(absolute, { withFileTypes: true, recursive: true })) if (entry.isFile()) files.push(relative(root, join(entry.parentPath, entry.name)));
  }
  return files.sort();
}

/** A hash of the inputs' paths and contents, and of the Redocly version that turns them into outputs. */
function inputsHash(inputs) {
  const hash = createHash('sha256').update(`redocly ${redoclyVersion}\n`);
  for (const file of filesOf(inputs)) {
    hash.update(`${file}\n`);
    if (!file.endsWith(' (missing)')) hash.update(readFileSync(join(root, file)));
  }
  return hash.digest('hex');
}

function readState() {
  try {
    return JSON.parse(readFileSync(STATE, 'utf8'));
  } catch {
    return {};
  }
}

function run([command, args]) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, REDOCLY_TELEMETRY: 'off' } });
  return result.status ?? 1;
}

function main(argv) {
  const force = argv.includes('--force');
  const clean = argv.includes('--clean');
  const unknown = argv.filter((arg) => arg.startsWith('--') && arg !== '--force' && arg !== '--clean' || !arg.startsWith('--') && !(arg in STEPS));
  if (unknown.length > 0) {
    console.error(`build: unknown ${unknown.join(', ')}; steps: ${Object.keys(STEPS).join(', ')}; options: --force, --clean`);
    return 2;
  }
  const chosen = argv.filter((arg) => arg in STEPS);
  if (clean) for (const dir of ['build', 'dist', 'client/dist']) rmSync(join(root, dir), { recursive: true, force: true });
  mkdirSync(join(root, 'dist'), { recursive: true });
  const state = readState();
  for (const [name, step] of Object.entries(STEPS)) {
    if (chosen.length > 0 && !chosen.includes(name)) continue;
    const started = performance.now();
    const fingerprint = () => (step.inputs ? inputsHash(step.inputs) : step.fingerprint());
    if (!force && state[name] === fingerprint() && (step.outputs ?? []).every((output) => existsSync(join(root, output)))) {
      console.log(`build: ${name} up to date (${step.inputs ? 'inputs unchanged' : 'no file changed since the last compile'})`);
      continue;
    }
    for (const command of step.commands) {
      const code = run(command);
      if (code !== 0) {
        // A failed step must run again next time, whatever its inputs.
        delete state[name];
        writeFileSync(STATE, JSON.stringify(state, null, 2));
        console.error(`build: ${name} failed`);
        return code;
      }
    }
    // Taken again after the step: the compiled files are part of the compile step's fingerprint.
    state[name] = fingerprint();
    writeFileSync(STATE, JSON.stringify(state, null, 2));
    console.log(`build: ${name} ${step.inputs ? 'built' : 'done (tsc --build)'} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
