// The type tests (types.typecheck.ts, self-reference.typecheck.ts) only count when tsc compiles
// them: an `@ts-expect-error` that meets no error, or a misuse that compiles, fails this run.
import { describe, expect, it } from 'vitest';
import { runCommand } from '../helpers/run-command.js';

describe('type tests', () => {
  it('tsc -p tsconfig.json passes, with the client type tests in the program', async () => {
    const result = await runCommand('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit', '--listFiles']);
    const errors = result.stdout.split('\n').filter((line) => line.includes('error TS'));
    expect(errors, errors.join('\n')).toEqual([]);
    expect(result.code).toBe(0);
    // --listFiles proves that the files were compiled, not silently left out by `include`.
    expect(result.stdout).toMatch(/test\/client\/types\.typecheck\.ts/);
    expect(result.stdout).toMatch(/test\/client\/self-reference\.typecheck\.ts/);
  }, 120_000);
});
