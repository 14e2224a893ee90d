// Bundles a multi-file description with Redocly CLI (the project's bundler: it understands the
// `{token}` file names a strict URI resolver refuses), as a child process, with the configuration
// that sits above the root file (so that a git ref is bundled with its own redocly.yaml and plugins).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { cleanUpEvenIfInterrupted } from './interrupt.js';

export class DiffInputError extends Error {}

/** The Redocly CLI entry script: the one installed with this package, else the working directory's. */
function redoclyEntry(): string {
  for (const base of [import.meta.url, join(process.cwd(), 'package.json')]) {
    try {
      const manifest = createRequire(base).resolve('@redocly/cli/package.json');
      const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: string | Record<string, string> };
      return join(dirname(manifest), typeof bin === 'string' ? bin : (bin.redocly ?? Object.values(bin)[0]!));
    } catch {
      // not installed there
    }
  }
  throw new DiffInputError('bundling a multi-file description needs @redocly/cli (npm install --save-dev @redocly/cli@2.77.0), or give a bundled file (redocly bundle ROOT -o FILE.json)');
}

/** The folder whose redocly.yaml configures `root`: the nearest above it, else the root's own folder. */
function configFolder(root: string): string {
  for (let dir = dirname(root); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'redocly.yaml'))) return dir;
    if (dirname(dir) === dir) return dirname(root);
  }
}

/** Bundles `root` into `output` (JSON); throws DiffInputError with Redocly's own messages when it cannot. */
export function bundleWithRedocly(root: string, output: string): Promise<void> {
  const entry = redoclyEntry();
  const absolute = resolve(root);
  return new Promise((bundled, fail) => {
    const child = spawn(process.execPath, [entry, 'bundle', absolute, '-o', resolve(output), '--ext', 'json'], {
      cwd: configFolder(absolute),
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // Interrupted, the bundler goes too: it would write into a folder that is being removed.
    const settled = cleanUpEvenIfInterrupted(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => {
      settled();
      fail(error);
    });
    child.on('close', (code) => {
      settled();
      if (code === 0 && existsSync(output)) return bundled();
      // Redocly's notices are boxed; its errors are the other lines.
      const reasons = stderr
        .split('\n')
        .filter((line) => line.trim() !== '' && !/^\s*[║╔╚│┌└]/.test(line))
        .slice(-12)
        .join('\n');
      fail(new DiffInputError(`Redocly could not bundle ${root}:\n${reasons}`));
    });
  });
}
