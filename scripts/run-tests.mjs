// `npm test`: builds what the tests read (bundle, docs, compiled stub), runs vitest, and ends with
// the plain line `N passed, N failed` that CI counts (vitest's own summary is not one it reads).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';

const run = (command, args) => spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, REDOCLY_TELEMETRY: 'off' } });

const build = run('npm', ['run', '-s', 'build']);
if (build.status !== 0) {
  console.error('The build failed, so no test ran.');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

mkdirSync('reports', { recursive: true });
const resultsFile = 'reports/vitest.json';
rmSync(resultsFile, { force: true });
const vitest = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`, ...process.argv.slice(2)]);

if (!existsSync(resultsFile)) {
  console.error('vitest wrote no results.');
  console.log('0 passed, 1 failed');
  process.exit(vitest.status || 1);
}
const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
const skipped = results.numPendingTests + results.numTodoTests;
// A file that fails to load, or a failing beforeAll, fails no test by itself: count those files
// too, so that the line never says "0 failed" for a failed run.
const failed = results.numFailedTests + (results.numFailedTests === 0 && !results.success ? Math.max(1, results.numFailedTestSuites) : 0);
console.log(`${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(vitest.status ?? 1);
