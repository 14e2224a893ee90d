// The code linter (ESLint with typescript-eslint's recommended rules, eslint.config.js) is clean
// over every part of the repository.
import { describe, expect, it } from 'vitest';
import { runCommand } from '../helpers/run-command.js';

describe('npm run lint:code', () => {
  it('finds no problem', async () => {
    const result = await runCommand('npx', ['eslint', '.', '--max-warnings', '0']);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);
});
