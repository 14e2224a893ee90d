#!/usr/bin/env node
// The `chatapi-contract` command: a shim over the compiled CLI (build/contract/main.js, made by
// `npm run build`). Exit codes: 0 passed, 1 a contract violation, 2 the run could not be made.
let cli;
try {
  cli = await import('../build/contract/main.js');
} catch (error) {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('build/contract/main.js')) {
    process.stderr.write('chatapi-contract: the compiled CLI (build/contract/main.js) is missing: run npm run build\n');
    process.exit(2);
  }
  // Never exit 1 (which means "a contract violation") for a CLI that could not even load.
  process.stderr.write(`chatapi-contract: cannot load the CLI: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(2);
}
cli.main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`chatapi-contract: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
