// The handler type tests (handlers.typecheck.ts) only count when tsc compiles them: an
// `@ts-expect-error` that meets no error, or a misuse that compiles, fails this run.
import { describe, it } from 'vitest';
import { expectTypecheck } from '../helpers/typecheck.js';

describe('handler type tests', () => {
  it('tsc passes on handlers.typecheck.ts: undocumented statuses and bodies, and missing handlers, do not compile', async () => {
    // Only that file and what it imports (its own tsconfig), with the types it tests.
    await expectTypecheck('test/stub/handlers-typecheck.tsconfig.json', [/test\/stub\/handlers\.typecheck\.ts/, /server-stub\/handlers\/types\.ts/]);
  }, 120_000);
});
