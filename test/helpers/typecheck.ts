// Runs tsc on a project for the type tests (*.typecheck.ts): they only count when tsc compiles them,
// so an `@ts-expect-error` that meets no error, or a misuse that compiles, fails the calling test.
import { expect } from 'vitest';
import { runCommand } from './run-command.js';

/** tsc -p `project` passes, and its program holds every file matching `compiled` (not silently left out by `include`). */
export async function expectTypecheck(project: string, compiled: readonly RegExp[]): Promise<void> {
  const result = await runCommand('npx', ['tsc', '-p', project, '--noEmit', '--listFiles']);
  const errors = result.stdout.split('\n').filter((line) => line.includes('error TS'));
  expect(errors, errors.join('\n')).toEqual([]);
  expect(result.code).toBe(0);
  for (const file of compiled) expect(result.stdout).toMatch(file);
}
