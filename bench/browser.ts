// `npm run bench:browser`: the playground and the operator console in Debian's Chromium, measured:
//   1. the pages' weight: JavaScript and CSS as loaded, raw and gzipped (as a compressing server or
//      proxy would send them; the stub itself does not compress);
//   2. Send → the bot's reply rendered in the playground;
//   3. Send as operator (console) → the reply rendered in the playground (long polling, two pages).
// Times are taken inside the pages (performance.timeOrigin + now, one machine clock), so the
// driver's own round trips are not counted. Prints the figures; no target is enforced here.
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { openBrowser, startStubProcess, type BrowserSession } from '../test/browser/harness.js';
import { median, percentile, runBench } from './lib/processes.js';
import { writeBenchResults } from './lib/results.js';

const ROUNDS = Number(process.env.BENCH_BROWSER_ROUNDS ?? 30);

/** Sums the JavaScript and CSS a page loads (by response content type), raw and gzipped. */
async function weigh(page: Page, url: string): Promise<{ files: number; raw: number; gzip: number }> {
  const bodies: Promise<Buffer>[] = [];
  const onResponse = (response: import('playwright-core').Response) => {
    const type = response.headers()['content-type'] ?? '';
    if (/javascript|text\/css/.test(type)) bodies.push(response.body());
  };
  page.on('response', onResponse);
  await page.goto(url);
  await page.waitForLoadState('networkidle').catch(() => undefined); // the long poll keeps one request open
  await page.waitForSelector('body[data-ready=true], body[data-version]', { state: 'attached' });
  page.off('response', onResponse);
  const all = await Promise.all(bodies);
  return { files: all.length, raw: all.reduce((n, b) => n + b.length, 0), gzip: all.reduce((n, b) => n + gzipSync(b).length, 0) };
}

/** Clicks Send in the page and resolves with the ms until a new BOT message is in the DOM. */
function sendAndTime(page: Page, query: string): Promise<number> {
  return page.evaluate(
    (q) =>
      new Promise<number>((resolve) => {
        const log = document.getElementById('log')!;
        const before = log.querySelectorAll('li[data-author=BOT]').length;
        const observer = new MutationObserver(() => {
          if (log.querySelectorAll('li[data-author=BOT]').length > before) {
            observer.disconnect();
            resolve(performance.now() - started);
          }
        });
        observer.observe(log, { childList: true });
        (document.getElementById('message') as HTMLInputElement).value = q;
        const started = performance.now();
        (document.getElementById('send') as HTMLButtonElement).click();
      }),
    query,
  );
}

const ms = (values: number[]) => `p50 ${median(values).toFixed(1)} ms, p95 ${percentile(values, 95).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms (n=${values.length})`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

async function main(): Promise<void> {
  const stub = await startStubProcess();
  let session: BrowserSession | undefined;
  try {
    session = await openBrowser();
    const playground = await session.newPage();
    const weights = {
      playground: await weigh(playground, `${stub.url}/playground/?clientId=bench-client`),
      operator: await weigh(await session.newPage(), `${stub.url}/operator/?clientId=bench-client`),
    };
    const operator = session.context.pages()[1]!;

    // Warm up both ways, then measure.
    await sendAndTime(playground, '/start');
    const send: number[] = [];
    for (let i = 0; i < ROUNDS; i++) send.push(await sendAndTime(playground, i % 2 ? 'hello' : `weather in Paris ${i}`));

    await playground.evaluate(() => {
      const seen = new Map<string, number>();
      (window as unknown as { seen: Map<string, number> }).seen = seen;
      new MutationObserver(() => {
        for (const li of Array.from(document.querySelectorAll('#log li[data-author=OPERATOR]'))) {
          const text = li.querySelector('.reply-text')?.textContent ?? '';
          if (!seen.has(text)) seen.set(text, performance.timeOrigin + performance.now());
        }
      }).observe(document.getElementById('log')!, { childList: true });
    });
    const operatorToPage: number[] = [];
    for (let i = -1; i < ROUNDS; i++) {
      const text = `operator message ${i}`;
      await operator.getByRole('textbox', { name: 'Operator reply' }).fill(text);
      const clicked = await operator.evaluate(() => {
        const at = performance.timeOrigin + performance.now();
        (document.getElementById('operator-send') as HTMLButtonElement).click();
        return at;
      });
      const shownAt = await playground.waitForFunction((t) => (window as unknown as { seen: Map<string, number> }).seen.get(t), text).then((h) => h.jsonValue() as Promise<number>);
      if (i >= 0) operatorToPage.push(shownAt - clicked);
    }

    if (session.scriptErrors.length || session.offMachine.length) throw new Error(`script errors or requests off the machine: ${JSON.stringify([session.scriptErrors, session.offMachine])}`);
    const lines = [
      `# Browser bench · Chromium ${session.browser.version()} headless · ${ROUNDS} rounds`,
      '',
      '| page | JS + CSS files | raw | gzipped |',
      '|---|---:|---:|---:|',
      ...Object.entries(weights).map(([name, w]) => `| ${name} | ${w.files} | ${kib(w.raw)} | ${kib(w.gzip)} |`),
      '',
      `- Send → bot reply rendered (playground): ${ms(send)}`,
      `- Send as operator → shown in the playground: ${ms(operatorToPage)}`,
      '',
      'Measured with `npm run bench:browser` (bench/browser.ts).',
    ];
    console.log(lines.join('\n'));
    for (const path of writeBenchResults('BROWSER.md', lines.join('\n') + '\n')) console.error(`written to ${path}`);
  } finally {
    await session?.close();
    await stub.stop();
  }
}

runBench(main);
