// The description as a git ref had it: the ref is checked out into a temporary `git worktree`
// (its own redocly.yaml and plugins with it), read, and the worktree is removed afterwards, also
// when reading fails or the process is interrupted. The worktree borrows the repository's
// node_modules (a link), so that the ref's Redocly plugins find the packages they import.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cleanUpEvenIfInterrupted } from './interrupt.js';
import { DiffInputError } from './redocly.js';

const run = promisify(execFile);

async function git(args: string[], cwd: string): Promise<string> {
  try {
    return (await run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new DiffInputError(`git ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`);
  }
}

/** The top of the repository the working directory is in. */
export function repositoryRoot(cwd = process.cwd()): Promise<string> {
  return git(['rev-parse', '--show-toplevel'], cwd).catch(() => {
    throw new DiffInputError(`${cwd} is not in a git repository: --base needs one`);
  });
}

/** The commit a ref names, or a DiffInputError that says it names none. */
export async function commitOf(ref: string, repo: string): Promise<string> {
  if (ref.startsWith('-')) throw new DiffInputError(`--base ${ref}: not a git ref`);
  try {
    return (await run('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: repo })).stdout.trim();
  } catch {
    throw new DiffInputError(`--base ${ref}: no such commit, branch or tag in ${repo}`);
  }
}

/** Runs `use` with a temporary worktree of `commit`; the worktree is gone when it returns or throws. */
export async function withWorktree<T>(repo: string, commit: string, use: (tree: string) => Promise<T>): Promise<T> {
  const holder = mkdtempSync(join(tmpdir(), 'chatapi-diff-ref-'));
  const tree = join(holder, 'tree');
  const modules = join(tree, 'node_modules');
  const remove = () => {
    // The link first, so that nothing below can follow it into the repository's node_modules.
    try {
      unlinkSync(modules);
    } catch {
      // not linked
    }
    try {
      execFileSync('git', ['worktree', 'remove', '--force', tree], { cwd: repo, stdio: 'ignore' });
    } catch {
      // never added, or already gone: prune below forgets it either way
    }
    rmSync(holder, { recursive: true, force: true });
    try {
      execFileSync('git', ['worktree', 'prune'], { cwd: repo, stdio: 'ignore' });
    } catch {
      // nothing to prune
    }
  };
  // Ctrl-C or a SIGTERM in the middle must not leave a worktree registered in the repository.
  const done = cleanUpEvenIfInterrupted(remove);
  try {
    // Synchronous, so that no signal is handled while git is still registering the worktree.
    try {
      execFileSync('git', ['worktree', 'add', '--detach', '--quiet', tree, commit], { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      throw new DiffInputError(`git worktree add failed: ${String((error as { stderr?: unknown }).stderr ?? '').trim()}`);
    }
    if (existsSync(join(repo, 'node_modules')) && !existsSync(modules)) symlinkSync(join(repo, 'node_modules'), modules, 'dir');
    return await use(tree);
  } finally {
    done();
  }
}
