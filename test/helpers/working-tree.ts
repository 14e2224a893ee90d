// A copy of the repository as a fresh clone has it: the files git sees (committed or not, never
// ignored ones), without build/ or dist/, and this checkout's node_modules linked in (the tools
// `npm ci` would have installed). The package test packs it; the start test builds and starts it.
import { spawn } from 'node:child_process';
import { cp, mkdir, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../description/bundle.js';

function gitFiles(repo: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: repo });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout.split('\0').filter(Boolean)) : reject(new Error(`git ls-files exited ${code}: ${stderr}`))));
  });
}

export async function copyWorkingTree(to: string, repo = packageRoot()): Promise<void> {
  const files = (await gitFiles(repo)).filter((file) => !file.startsWith('build/') && !file.startsWith('dist/'));
  for (const file of files) {
    await mkdir(dirname(join(to, file)), { recursive: true });
    await cp(join(repo, file), join(to, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error; // deleted but not yet committed
    });
  }
  await symlink(join(repo, 'node_modules'), join(to, 'node_modules'));
}
