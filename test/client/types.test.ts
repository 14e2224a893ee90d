// The type tests (types.typecheck.ts, self-reference.typecheck.ts) only count when tsc compiles
// them: an `@ts-expect-error` that meets no error, or a misuse that compiles, fails this run.
import { describe, it } from 'vitest';
import { expectTypecheck } from '../helpers/typecheck.js';

describe('type tests', () => {
  it('tsc -p tsconfig.json passes, with the client type tests in the program', async () => {
    await expectTypecheck('tsconfig.json', [/test\/client\/types\.typecheck\.ts/, /test\/client\/self-reference\.typecheck\.ts/]);
  }, 120_000);
});
