// The other checkouts a bench measures beside this one (`BENCH_COMPARE=<dir>[,<dir>…]`, each built
// with its own node_modules): named by their folder and commit, so that a table says what ran.
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';

export interface Checkout {
  name: string;
  dir: string;
}

export function comparedCheckouts(env: NodeJS.ProcessEnv = process.env): Checkout[] {
  return (env.BENCH_COMPARE ?? '')
    .split(',')
    .filter((dir) => dir !== '')
    .map((dir) => {
      const commit = spawnSync('git', ['-C', dir, 'log', '-1', '--format=%h'], { encoding: 'utf8' }).stdout.trim();
      return { name: `${basename(dir)} (${commit || 'no git'})`, dir };
    });
}
