// The release: both packages at one version, the toolkit depending on exactly that client. `npm run
// release` (scripts/release.mjs) refuses to pack otherwise; test/package/tarballs.test.ts packs with
// it and installs what it prints.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { packageRoot } from '../../description/bundle.js';
import { installLines, versionProblems, type Manifest } from '../../scripts/release.mjs';

const read = (path: string) => JSON.parse(readFileSync(join(packageRoot(), path), 'utf8')) as Manifest;

it('the two packages are at one version, and the toolkit depends on exactly that client (package.json and the lock)', () => {
  const root = read('package.json');
  const client = read('client/package.json');
  expect(versionProblems()).toEqual([]);
  expect(client.version).toBe(root.version);
  expect(root.dependencies?.['@chatapi-contract/client']).toBe(client.version);
  const lock = JSON.parse(readFileSync(join(packageRoot(), 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  expect(lock.packages['']?.version).toBe(root.version);
  expect(lock.packages['client']?.version).toBe(client.version);
});

it('a version out of step is named, with what to do', () => {
  const root = { name: 'chatapi-contract', version: '0.2.0', dependencies: { '@chatapi-contract/client': '0.1.0' } };
  const client = { name: '@chatapi-contract/client', version: '0.1.0' };
  expect(versionProblems(root, client)).toEqual([
    'chatapi-contract is at 0.2.0 and @chatapi-contract/client at 0.1.0: release them at one version',
  ]);
  expect(versionProblems({ ...root, version: '0.1.0', dependencies: { '@chatapi-contract/client': '^0.1.0' } }, client)).toEqual([
    'chatapi-contract depends on @chatapi-contract/client@^0.1.0, not on the version beside it (0.1.0): set dependencies["@chatapi-contract/client"] to exactly "0.1.0"',
  ]);
});

it('prints one line that installs both tarballs, the client first, quoted for a shell where need be', () => {
  const lines = installLines({ client: '/a b/release/chatapi-contract-client-0.1.0.tgz', toolkit: '/a b/release/chatapi-contract-0.1.0.tgz' });
  expect(lines.both).toBe("npm install --save-dev '/a b/release/chatapi-contract-client-0.1.0.tgz' '/a b/release/chatapi-contract-0.1.0.tgz'");
  expect(lines.client).toBe("npm install '/a b/release/chatapi-contract-client-0.1.0.tgz'");
});
