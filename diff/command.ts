// `chatapi-contract diff`: what changed between two descriptions, and whom it breaks.
// Exit codes: 0 no change at --fail-on or above, 1 such a change, 2 the diff could not be made.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parsedArguments, type Io } from '../contract/io.js';
import { parseDiffArgs, USAGE, type DiffOptions } from './args.js';
import { commitOf, repositoryRoot, withWorktree } from './git-ref.js';
import { diffSides, type DiffResult } from './index.js';
import { DiffInputError, loadSide, Scratch } from './load.js';
import { report } from './report.js';
import { atLeast } from './rules.js';

async function diffAgainstRef(options: DiffOptions & { base: string }, scratch: Scratch): Promise<DiffResult> {
  const repo = await repositoryRoot();
  const commit = await commitOf(options.base, repo);
  const after = await loadSide(options.new ?? relative(process.cwd(), join(repo, options.root)), scratch, 'new');
  return withWorktree(repo, commit, async (tree) => {
    const root = join(tree, options.root);
    if (!existsSync(root)) throw new DiffInputError(`${options.base} has no ${options.root} (give its place with --root)`);
    const before = await loadSide(root, scratch, 'old', (file) => `${options.base}:${relative(tree, file)}`, `${options.base}:${options.root}`);
    // Source lines are read now: the worktree is removed when this returns.
    return diffSides(before, after);
  });
}

export async function main(argv: string[], io: Io): Promise<number> {
  const options = parsedArguments('chatapi-contract diff', USAGE, io, () => parseDiffArgs(argv));
  if (typeof options === 'number') return options;
  const scratch = new Scratch();
  try {
    const result =
      options.base !== undefined
        ? await diffAgainstRef({ ...options, base: options.base }, scratch)
        : diffSides(await loadSide(options.old!, scratch, 'old'), await loadSide(options.new!, scratch, 'new'));
    const text = report(result, options.format, options.failOn);
    if (options.output) {
      mkdirSync(dirname(options.output), { recursive: true });
      writeFileSync(options.output, `${text}\n`);
    } else io.out(text);
    return result.findings.some((f) => atLeast(f.level, options.failOn)) ? 1 : 0;
  } catch (error) {
    if (!(error instanceof DiffInputError)) throw error;
    io.err(`chatapi-contract diff: ${error.message}`);
    return 2;
  } finally {
    scratch.dispose();
  }
}
