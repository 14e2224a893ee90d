// Shared by the browser tests and the browser bench: the compiled stub as a process (as
// `npm start` runs it) and Debian's Chromium driven by playwright-core, with every request the
// pages make recorded and anything not going to 127.0.0.1 refused and reported.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { packageRoot } from '../../description/bundle.js';

export const CHROMIUM = '/usr/bin/chromium';
export const MAIN = join(packageRoot(), 'build', 'server-stub', 'main.js');
export const TOKEN = 'chatapi-dev-token';

export interface StubProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** `node build/server-stub/main.js` on a port of its own choosing; resolves once it printed its address. */
export async function startStubProcess(env: NodeJS.ProcessEnv = {}): Promise<StubProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` (npm test does)`);
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const started = Date.now();
  let url: string | undefined;
  while (url === undefined) {
    url = /server stub on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    if (child.exitCode !== null) throw new Error(`the stub exited with ${child.exitCode}:\n${output}`);
    if (Date.now() - started > 15_000) throw new Error(`no address printed within 15 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  /** Every URL a page of the context requested, in order. */
  requests: string[];
  /** Requests that were about to leave 127.0.0.1 (they were aborted). */
  offMachine: string[];
  /** Uncaught exceptions and console errors, per page. */
  scriptErrors: string[];
  newPage(): Promise<Page>;
  /** Another context (another window size, say), watched the same way. */
  newContext(viewport: { width: number; height: number }): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** Headless Chromium with the project's flags; each context's requests are watched. */
export async function openBrowser(): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  // playwright-core gives the browser a fresh temporary profile of its own (it refuses --user-data-dir here).
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      ...['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      // The tests drive two pages at once (playground and console): the one behind must not be
      // throttled, or every click waits for its next animation frame.
      ...['--disable-background-timer-throttling', '--disable-backgrounding-occluded-windows', '--disable-renderer-backgrounding'],
    ],
  });
  const requests: string[] = [];
  const offMachine: string[] = [];
  const scriptErrors: string[] = [];
  const watch = (page: Page) => {
    page.on('pageerror', (error) => scriptErrors.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') scriptErrors.push(`${page.url()}: console: ${message.text()}`);
    });
  };
  const watchedContext = async (viewport: { width: number; height: number }) => {
    const context = await browser.newContext({ viewport });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      requests.push(url);
      const { protocol, hostname } = new URL(url);
      if ((protocol === 'http:' || protocol === 'https:' || protocol === 'ws:') && hostname !== '127.0.0.1') {
        offMachine.push(url);
        return route.abort('blockedbyclient');
      }
      return route.continue();
    });
    context.on('page', watch);
    return context;
  };
  const context = await watchedContext({ width: 1100, height: 760 });
  return {
    browser,
    context,
    requests,
    offMachine,
    scriptErrors,
    newPage: () => context.newPage(),
    newContext: watchedContext,
    async close() {
      await browser.close();
    },
  };
}
