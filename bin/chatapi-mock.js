#!/usr/bin/env node
// The `chatapi-mock` command: Prism on the packaged description (build/mock/main.js); `--dynamic`
// for data generated from the schemas. Prism (@stoplight/prism-cli 5.14.2) is an optional peer.
try {
  await import('../build/mock/main.js');
} catch (error) {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('build/mock/main.js')) {
    process.stderr.write('chatapi-mock: the compiled mock (build/mock/main.js) is missing: run npm run build\n');
  } else {
    process.stderr.write(`chatapi-mock: cannot start the mock: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(2);
}
