#!/usr/bin/env node
// `npm run release`: packs both packages into release/ (git-ignored) and prints the command that
// installs them in another project. Until they are published, that is how they are installed:
// chatapi-contract depends on @chatapi-contract/client at exactly the same version, so its tarball
// alone cannot install (npm would look the client up on the registry); given both, npm takes the
// client from its tarball.
//
// The two packages are released together, at one version: the root's `version`, the client's
// `version` and the root's dependency on the client are the same string (checked here before
// anything is packed, and by test/package/release.test.ts).
//
// Each part is a function of its own (`versionProblems`, `packRelease`, `installLines`), so that
// other release steps can be chained after this one in package.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const RELEASE_DIR = join(root, 'release');
const CLIENT = '@chatapi-contract/client';

const manifest = (path) => JSON.parse(readFileSync(join(root, path), 'utf8'));

/** What keeps the two packages from being released together at one version (empty when nothing). */
export function versionProblems(rootManifest = manifest('package.json'), clientManifest = manifest('client/package.json')) {
  const problems = [];
  if (clientManifest.name !== CLIENT) problems.push(`client/package.json is ${clientManifest.name}, not ${CLIENT}`);
  if (rootManifest.version !== clientManifest.version) {
    problems.push(`${rootManifest.name} is at ${rootManifest.version} and ${CLIENT} at ${clientManifest.version}: release them at one version`);
  }
  const wanted = rootManifest.dependencies?.[CLIENT];
  if (wanted !== clientManifest.version) {
    problems.push(`${rootManifest.name} depends on ${CLIENT}@${wanted ?? '(nothing)'}, not on the version beside it (${clientManifest.version}): set dependencies["${CLIENT}"] to exactly "${clientManifest.version}"`);
  }
  return problems;
}

/** The file `npm pack` writes for a package: @scope/name 1.2.3 → scope-name-1.2.3.tgz. */
const tarballName = ({ name, version }) => `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`;

/** `npm pack` of the root and of the client workspace into release/ (emptied of tarballs first); the tarballs' paths. */
export function packRelease() {
  mkdirSync(RELEASE_DIR, { recursive: true });
  for (const file of readdirSync(RELEASE_DIR)) if (file.endsWith('.tgz')) rmSync(join(RELEASE_DIR, file));
  const pack = (extra, packageJson) => {
    // prepack builds (the root's from scratch), its output shown as it comes.
    const result = spawnSync('npm', ['pack', ...extra, '--pack-destination', RELEASE_DIR], { cwd: root, stdio: 'inherit', env: { ...process.env, REDOCLY_TELEMETRY: 'off' } });
    const tarball = join(RELEASE_DIR, tarballName(manifest(packageJson)));
    if (result.status !== 0 || !existsSync(tarball)) throw new Error(`npm pack ${extra.join(' ')} failed (exit ${result.status}) or wrote no ${tarball}`);
    return tarball;
  };
  return { toolkit: pack([], 'package.json'), client: pack(['-w', 'client'], 'client/package.json') };
}

const shellWord = (text) => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

/** The install commands for the packed tarballs: both together (the toolkit), and the client alone. */
export function installLines({ client, toolkit }) {
  return {
    both: `npm install --save-dev ${shellWord(client)} ${shellWord(toolkit)}`,
    client: `npm install ${shellWord(client)}`,
  };
}

/**
 * The description at an `info.version` no release has yet is released first (`npm run
 * release:description`: the gate, the CHANGELOG section, the kept bundle), so that the packages never
 * ship a description the CHANGELOG does not account for. Undefined when nothing was to release.
 */
export function releaseDescriptionIfNew() {
  const source = readFileSync(join(root, 'openapi', 'openapi.yaml'), 'utf8');
  const version = /\n {2}version:\s*['"]?([^'"\s]+)/.exec(source)?.[1];
  if (!version || existsSync(join(root, 'openapi', 'releases', `${version}.json`))) return undefined;
  console.log(`release: the description is at ${version}, which has no release yet: npm run release:description`);
  return spawnSync('npm', ['run', '-s', 'release:description'], { cwd: root, stdio: 'inherit' }).status;
}

function main() {
  const problems = versionProblems();
  if (problems.length > 0) {
    for (const problem of problems) console.error(`release: ${problem}`);
    return 1;
  }
  const described = releaseDescriptionIfNew();
  if (described !== undefined && described !== 0) {
    console.error('release: the description could not be released (above); nothing was packed');
    return 1;
  }
  const tarballs = packRelease();
  const kib = (file) => `${Math.round(statSync(file).size / 1024)} KiB`;
  const lines = installLines(tarballs);
  console.log('');
  console.log(`Packed into ${relative(root, RELEASE_DIR)}/: ${relative(RELEASE_DIR, tarballs.toolkit)} (${kib(tarballs.toolkit)}), ${relative(RELEASE_DIR, tarballs.client)} (${kib(tarballs.client)})`);
  console.log('');
  console.log('Install both in another project (the toolkit, with the client it needs):');
  console.log('');
  console.log(`  ${lines.both}`);
  console.log('');
  console.log(`The client alone (a chat UI): ${lines.client}`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main();
