// Measures the stub's start-up: spawn `node build/server-stub/main.js` → first validated 200 of
// POST /chatapi/{token}, polled every 5 ms. Prints each run and the median.
//   npm run -s build && npx tsx test/stub/measure-startup.ts [runs=5]
import { spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { freePort } from '../../mock/prism.js';
import { packageRoot } from '../../validation/description.js';

const MAIN = join(packageRoot(), 'build', 'server-stub', 'main.js');
const BODY = JSON.stringify({ clientId: 'startup-probe', query: 'Hello' });

function post(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/chatapi/chatapi-dev-token', method: 'POST', headers: { 'content-type': 'application/json' }, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(BODY);
  });
}

async function once(): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' }, stdio: 'ignore' });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the stub exited with ${child.exitCode}`);
      if (performance.now() - started > 20_000) throw new Error('no 200 within 20 s');
      if ((await post(port)) === 200) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

const runs = Number(process.argv[2] ?? 5);
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const ms = await once();
  times.push(ms);
  console.log(`run ${i + 1}: ${ms.toFixed(0)} ms`);
}
const sorted = [...times].sort((a, b) => a - b);
const mid = Math.floor(sorted.length / 2);
const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
console.log(`median of ${runs}: ${median.toFixed(0)} ms (spawn → first validated 200 of POST /chatapi/{token})`);
