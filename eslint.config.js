// ESLint for the TypeScript of every part (typescript-eslint's recommended rules), run by `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['build/', 'dist/', 'client/dist/', 'node_modules/', 'reports/', 'generated/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly', fetch: 'readonly' } },
    rules: {
      // `_name` marks a value left unused on purpose (a destructured member dropped, an unused parameter).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // Plain JavaScript (the Redocly plugins, the bins, the scripts) runs on Node: its globals.
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { URLSearchParams: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', performance: 'readonly' } },
  },
  {
    // Type tests: expressions that exist only for tsc to check (`@ts-expect-error` lines).
    files: ['test/**/*.typecheck.ts'],
    rules: { '@typescript-eslint/no-unused-expressions': 'off' },
  },
  {
    // Tests read loosely typed JSON bodies.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
