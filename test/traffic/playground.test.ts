// Real traffic from a real client: the playground in Chromium, pointed at the proxy in front of the
// stub (the pages and their API calls all go through it). Nothing of it is a contract break; and
// the HAR Chromium itself writes of the session (playwright-core's recordHar) is judged the same way
// by verify-har, with the channel token masked in what it prints.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, startStubProcess, TOKEN, type StubProcess } from '../browser/harness.js';
import { runContract, startProxyProcess, type ProxyProcess } from './helpers.js';

describe('the playground in Chromium, through the proxy', () => {
  let stub: StubProcess;
  let proxy: ProxyProcess;
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'chatapi-playground-har-'));
  const chromiumHar = join(dir, 'chromium.har');
  let proxyExit: number | null;

  beforeAll(async () => {
    stub = await startStubProcess({ CHATAPI_LONG_POLL_MS: '2000' });
    proxy = await startProxyProcess(['--upstream', stub.url]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    const context = await browser.newContext({ recordHar: { path: chromiumHar, content: 'embed' } });
    const page = await context.newPage();
    await page.goto(`${proxy.url}/playground/?clientId=pw-proxy`);
    await page.waitForSelector('body[data-ready=true]', { state: 'attached' });
    await page.getByRole('textbox', { name: 'Message' }).fill('/start');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.locator('#log > li[data-author=BOT]').nth(0).waitFor();
    await page.getByRole('button', { name: 'buttons', exact: true }).click();
    await page.getByText('Do you like buttons?').waitFor();
    // Closing the context writes Chromium's HAR.
    await context.close();
    proxyExit = await proxy.stop();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await proxy?.stop('SIGKILL');
    await stub?.stop();
  });

  it('the proxy saw the pages and their API calls, and no contract break (exit 0)', () => {
    expect(proxyExit, proxy.output()).toBe(0);
    expect(proxy.output()).toMatch(/Traffic: [1-9]\d* exchanges judged \([1-9]\d* outside the API passed through/);
    expect(proxy.output()).toMatch(/sendMessage: 200 ×2/);
  });

  it('verify-har judges the HAR Chromium wrote, exit 0, the token masked', async () => {
    expect(readFileSync(chromiumHar, 'utf8')).toContain(`/chatapi/${TOKEN}`);
    const run = await runContract(['verify-har', chromiumHar]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Traffic: [1-9]\d* exchanges judged/);
    expect(run.stdout).toMatch(/sendMessage: 200 ×2/);
    expect(run.stdout).not.toContain(TOKEN);
  });
});
