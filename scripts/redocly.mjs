#!/usr/bin/env node
// Runs the Redocly CLI with telemetry off and without the boxed notices it prints on stderr at every
// command ("Node.js 20 support is ending", "build-docs now renders docs with Redoc 3"; it has no
// switch for them). Everything else Redocly
// writes, its errors and warnings included, passes through unchanged, and so does its exit code.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);
const manifest = require.resolve('@redocly/cli/package.json');
const { bin } = JSON.parse(readFileSync(manifest, 'utf8'));
const entry = join(dirname(manifest), typeof bin === 'string' ? bin : bin.redocly);

const child = spawn(process.execPath, [entry, ...process.argv.slice(2)], {
  stdio: ['inherit', 'inherit', 'pipe'],
  env: { ...process.env, REDOCLY_TELEMETRY: 'off' },
});

// A box is the lines from ╔ to ╚. It is dropped, with the blank line before it, only when it is one
// of these notices, printed at every run whatever the input; any other box is printed as it came.
const NOTICES = [/Node\.js \d+ support is ending/, /build-docs now renders docs with Redoc 3/];
let box = [];
let blanks = 0;
const write = (text) => process.stderr.write(`${text}\n`);
const lines = createInterface({ input: child.stderr, crlfDelay: Infinity });
lines.on('line', (line) => {
  const trimmed = line.trimStart();
  if (box.length === 0 && trimmed === '') return void blanks++;
  if (box.length === 0 && !trimmed.startsWith('╔')) {
    for (; blanks > 0; blanks--) write('');
    return void write(line);
  }
  box.push(line);
  if (!trimmed.startsWith('╚')) return;
  const text = box.join('\n');
  if (NOTICES.some((notice) => notice.test(text))) blanks = 0;
  else {
    for (; blanks > 0; blanks--) write('');
    write(text);
  }
  box = [];
});
lines.on('close', () => {
  if (box.length > 0) write(box.join('\n')); // an unfinished box is not the banner
  for (; blanks > 0; blanks--) write('');
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
// 'close' comes after stderr has ended, so every line above has been handled.
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
