// Where a benchmark's results go: always to reports/bench/ (git-ignored) and the console; into the
// committed bench/*.md only when asked (BENCH_RECORD=1), so that running a bench leaves git clean.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../description/bundle.js';

/** Whether this run records its figures in the repository (`BENCH_RECORD=1`). */
export const RECORDING = process.env.BENCH_RECORD === '1';

/** Writes `markdown` to reports/bench/<file> and, when recording, to bench/<file>; returns the paths written. */
export function writeBenchResults(file: string, markdown: string): string[] {
  const root = packageRoot();
  const reports = join(root, 'reports', 'bench');
  mkdirSync(reports, { recursive: true });
  const written = [join(reports, file)];
  if (RECORDING) written.push(join(root, 'bench', file));
  for (const path of written) writeFileSync(path, markdown);
  return written;
}
