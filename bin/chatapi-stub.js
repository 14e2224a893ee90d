#!/usr/bin/env node
// The `chatapi-stub` command: the server stub of `npm start` (build/server-stub/main.js), with the
// same environment variables plus flags (`chatapi-stub --help`).
try {
  await import('../build/server-stub/main.js');
} catch (error) {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('build/server-stub/main.js')) {
    process.stderr.write('chatapi-stub: the compiled stub (build/server-stub/main.js) is missing: run npm run build\n');
  } else {
    process.stderr.write(`chatapi-stub: cannot load the stub: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
}
