// The playground and the operator console as a developer uses them: the compiled stub as a
// process, the pages in Debian's Chromium (playwright-core). Every request the pages make is
// checked to stay on 127.0.0.1, and any script error fails the file.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../description/bundle.js';
import { freePort } from '../../mock/prism.js';
import { openBrowser, startStubProcess, TOKEN, type BrowserSession, type StubProcess } from './harness.js';

let stub: StubProcess;
let session: BrowserSession;
const SHOTS = join(packageRoot(), 'reports', 'screenshots');

beforeAll(async () => {
  [stub, session] = await Promise.all([startStubProcess({ CHATAPI_WEBHOOK_BASE_DELAY_MS: '50' }), openBrowser()]);
});

// Each open page holds a long poll, and Chromium opens at most 6 connections per host: close them.
afterEach(async () => {
  await Promise.all(session.context.pages().map((page) => page.close()));
});

afterAll(async () => {
  await session?.close();
  await stub?.stop();
});

async function playground(clientId: string, page?: Page, base = stub.url): Promise<Page> {
  const tab = page ?? (await session.newPage());
  await tab.goto(`${base}/playground/?clientId=${encodeURIComponent(clientId)}`);
  await tab.waitForSelector('body[data-ready=true]', { state: 'attached' });
  return tab;
}

async function operatorConsole(clientId: string): Promise<Page> {
  const page = await session.newPage();
  await page.goto(`${stub.url}/operator/?clientId=${encodeURIComponent(clientId)}`);
  await page.getByRole('heading', { name: `Conversation with ${clientId}` }).waitFor();
  return page;
}

async function say(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

/** The conversation's messages as text, one per message. */
const messages = (page: Page) => page.locator('#log > li').allInnerTexts();
const botMessages = (page: Page) => page.locator('#log > li[data-author=BOT]');

/** Each test checks what the pages did so far: no script error, nothing off the machine. */
function expectClean(): void {
  expect(session.scriptErrors).toEqual([]);
  expect(session.offMachine).toEqual([]);
  for (const url of session.requests) expect(new URL(url).hostname, url).toBe('127.0.0.1');
}

describe('the playground (/playground/)', () => {
  it('holds a conversation with buttons, and renders every reply type with assets served by the stub', async () => {
    const page = await playground('pg-buttons');
    await say(page, '/start');
    await botMessages(page).nth(0).waitFor();

    // A button sends its transition; the bot answers with two more buttons.
    await page.getByRole('button', { name: 'buttons', exact: true }).click();
    await page.getByText('Do you like buttons?').waitFor();
    await page.getByRole('button', { name: 'Yes', exact: true }).click();
    await page.getByText('You said: Yes').waitFor();
    // The button's label, not the transition it sent (which its tooltip names).
    const sent = page.locator('#log > li[data-author=CLIENT]');
    expect((await sent.allInnerTexts()).map((text) => text.split('\n').pop())).toEqual(['/start', 'buttons', 'Yes']);
    expect(await sent.nth(1).locator('.reply-text').getAttribute('title')).toBe('sent as /Buttons');

    for (const q of ['image', 'audio', 'file', 'carousel', 'location', 'links', 'remind me', 'operator']) {
      const before = await botMessages(page).count();
      await say(page, q);
      await botMessages(page).nth(before).waitFor();
    }
    const img = page.locator('.reply-image img');
    await expect.poll(() => img.evaluate((node: HTMLImageElement) => node.complete && node.naturalWidth > 0)).toBe(true);
    expect(new URL((await img.getAttribute('src'))!).origin).toBe(stub.url);
    expect(await page.locator('.reply-audio audio').getAttribute('src')).toBe(`${stub.url}/assets/chime.wav`);
    // Text with HTML markup is rendered as markup (the <b> is an element, not text).
    expect(await botMessages(page).filter({ hasText: 'Here is our price list.' }).locator('b', { hasText: 'price list' }).count()).toBe(1);
    const file = page.getByRole('link', { name: 'Download price-list.pdf' });
    const pdf = await fetch((await file.getAttribute('href'))!);
    expect([pdf.status, pdf.headers.get('content-type')]).toEqual([200, 'application/pdf']);
    expect(await page.locator('.reply-carousel .card').count()).toBe(2);
    await expect.poll(() => page.locator('.card img').evaluateAll((nodes) => nodes.every((n) => (n as HTMLImageElement).naturalWidth > 0))).toBe(true);
    expect(await page.getByRole('link', { name: /Location: 55\.7558, 37\.6173/ }).getAttribute('href')).toBe('geo:55.7558,37.6173');
    expect(await page.getByRole('link', { name: /The stub's docs/ }).getAttribute('href')).toBe(`${stub.url}/docs`);
    expect(await botMessages(page).filter({ hasText: 'Read more about the Chat API' }).locator('strong', { hasText: 'more' }).count()).toBe(1);
    await page.getByText('If you stay silent for 5 s, the bot goes on by itself (/Reminder).').waitFor();
    await page.getByText('The bot handed the conversation to an operator.').waitFor();
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'playground.png'), fullPage: true });
    expectClean();
  });

  it('keeps the conversation and the draft across a reload (history, save/load state)', async () => {
    const page = await playground('pg-reload');
    await say(page, 'hello');
    await page.getByText('Hi there! Send /start to see what I can do.').waitFor();
    await say(page, 'weather in Paris');
    await page.getByText('It is always sunny in Paris (this is a stub).').waitFor();
    const cid = await page.locator('#cid').innerText();
    await page.getByRole('textbox', { name: 'Message' }).fill('half-written');
    // The draft is saved (debounced) through POST …/state.
    await page.waitForResponse((r) => r.url().endsWith('/client/pg-reload/state') && r.request().method() === 'POST');
    const before = await messages(page);
    expect(before).toHaveLength(4);

    await page.reload();
    await page.waitForSelector('body[data-ready=true]', { state: 'attached' });
    expect(await messages(page)).toEqual(before);
    expect(await page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('half-written');
    // Same tab, same connection id.
    expect(await page.locator('#cid').innerText()).toBe(cid);
    expectClean();
  });

  it('gives each tab its own cid and shows one tab\'s messages in the other as events of another page', async () => {
    const first = await playground('pg-tabs');
    const second = await playground('pg-tabs');
    const [cid1, cid2] = await Promise.all([first.locator('#cid').innerText(), second.locator('#cid').innerText()]);
    expect(cid1).not.toBe(cid2);

    await say(first, 'hello');
    const echoed = second.locator('#log > li[data-author=CLIENT]', { hasText: 'hello' });
    await echoed.waitFor();
    expect(await echoed.locator('.from').innerText()).toBe('another page');
    await second.locator('#log > li[data-author=BOT]', { hasText: 'Hi there!' }).waitFor();
    // The first tab shows its own message once, not again as an event.
    await first.waitForTimeout(300);
    expect(await first.locator('#log > li[data-author=CLIENT]').count()).toBe(1);
    expect(await first.locator('.from').count()).toBe(0);
    expectClean();
  });
});

describe('the playground under real use', () => {
  it('an empty conversation says what to try (/start), and the hint sends it', async () => {
    const page = await playground('pg-empty');
    const hint = page.getByRole('note').filter({ hasText: 'No messages yet' });
    await hint.waitFor();
    expect(await hint.innerText()).toContain('/start');
    await hint.getByRole('button', { name: '/start' }).click();
    await botMessages(page).nth(0).waitFor();
    await hint.waitFor({ state: 'detached' });
    expect(await page.locator('#log > li[data-author=CLIENT]').allInnerTexts()).toEqual([expect.stringMatching(/\/start$/)]);
    expectClean();
  });

  it("a button's message shows the button's label, also after a reload (from history)", async () => {
    const page = await playground('pg-label');
    await say(page, '/start');
    await page.getByRole('button', { name: 'carousel', exact: true }).click();
    await page.locator('.reply-carousel').waitFor();
    const label = page.locator('#log > li[data-author=CLIENT] .reply-text').nth(1);
    expect([await label.innerText(), await label.getAttribute('title')]).toEqual(['carousel', 'sent as /Carousel']);
    await page.reload();
    await page.waitForSelector('body[data-ready=true]', { state: 'attached' });
    expect(await page.locator('#log > li[data-author=CLIENT] .reply-text').nth(1).innerText()).toBe('carousel');
    expectClean();
  });

  it('keeps a message sent while the stub is down, marked not sent, sends it on a click at once, and by itself once the stub is back', async () => {
    // A stub of this test's own, on a port it keeps across a restart (the page's origin).
    const port = await freePort();
    let own = await startStubProcess({ PORT: String(port) });
    let page: Page | undefined;
    try {
      page = await playground('pg-outage', undefined, own.url);
      await say(page, 'hello');
      await page.getByText('Hi there!').waitFor();
      await own.stop();

      // Two messages while it is down: both stay, in order, marked not sent; the input is free again.
      await say(page, 'weather in Oslo');
      await say(page, 'bye');
      const pending = page.locator('#log > li.pending');
      await page.locator('#log > li.pending[data-state=not-sent]').nth(1).waitFor();
      expect(await pending.locator('.reply-text').allInnerTexts()).toEqual(['weather in Oslo', 'bye']);
      expect(await pending.first().innerText()).toContain('Not sent: the stub does not answer');
      expect(await page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('');
      await page.waitForTimeout(1_500);
      expect(await pending.count()).toBe(2); // still there, not lost
      await page.screenshot({ path: join(SHOTS, 'playground-not-sent.png') });

      // "Send now" sends at once, without waiting for the next retry.
      const sends: number[] = [];
      page.on('request', (request) => {
        if (request.method() === 'POST' && new URL(request.url()).pathname === `/chatapi/${TOKEN}`) sends.push(Date.now());
      });
      const clicked = Date.now();
      await pending.first().getByRole('button', { name: 'Send now' }).click();
      await expect.poll(() => sends.length, { timeout: 2_000 }).toBeGreaterThan(0);
      expect(sends[0]! - clicked).toBeLessThan(500);

      // The stub comes back on the same port: both go, in order, with no click.
      own = await startStubProcess({ PORT: String(port) });
      // Within the longest pause between retries (10 s), with room for a loaded machine.
      await page.getByText('It is always sunny in Oslo (this is a stub).').waitFor({ timeout: 25_000 });
      await page.getByText('Goodbye!').waitFor();
      expect(await pending.count()).toBe(0);
      const texts = (await messages(page)).map((text) => text.split('\n').pop());
      expect(texts).toEqual(['hello', 'Hi there! Send /start to see what I can do.', 'weather in Oslo', 'It is always sunny in Oslo (this is a stub).', 'bye', 'Goodbye!']);
    } finally {
      await page?.close();
      await own.stop();
      // The outage's refused and reset connections are the console errors it was meant to cause.
      session.scriptErrors.splice(0, session.scriptErrors.length, ...session.scriptErrors.filter((e) => !/pg-outage: console: Failed to load resource: net::ERR_CONNECTION_(REFUSED|RESET)$/.test(e)));
    }
    expectClean();
  }, 90_000);
});

describe('the operator console under real use', () => {
  let receiver: Server;
  let hook: string;
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await fetch(`${stub.url}/_stub/channels/${TOKEN}/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ webhookUrl: null }) });
    await new Promise((resolve) => receiver.close(resolve));
  });

  const control = (path: string, body?: unknown) =>
    fetch(`${stub.url}/_stub${path}`, { method: body === undefined ? 'GET' : 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then((r) => r.json() as Promise<any>);

  it('with 100 deliveries: they follow the selected client in a pane of their own, and the conversation keeps its room', async () => {
    await fetch(`${stub.url}/_stub/channels/${TOKEN}/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ webhookUrl: hook }) });
    for (let i = 0; i < 100; i++) await control(`/channels/${TOKEN}/clients/${i % 10 < 7 ? 'many-a' : 'many-b'}/operator-replies`, { text: `Operator message ${i}` });
    await expect.poll(async () => (await control(`/deliveries?token=${TOKEN}&state=delivered`)).deliveries.filter((d: { clientId: string }) => d.clientId.startsWith('many-')).length, { timeout: 20_000 }).toBe(100);

    const op = await operatorConsole('many-a');
    const count = op.locator('#deliveries-count');
    await count.filter({ hasText: 'to many-a: 70 (the last 50 shown)' }).waitFor();
    expect(await op.locator('#deliveries tr[data-state=delivered]').count()).toBe(50);
    const ofB = (await control(`/deliveries?token=${TOKEN}&clientId=many-b`)).deliveries.map((d: { payload: { questionId: string }[] }) => d.payload[0]!.questionId);
    const table = await op.locator('#deliveries').innerText();
    for (const questionId of ofB) expect(table).not.toContain(questionId);

    // The conversation keeps at least 10rem and most of the column; the deliveries scroll in their pane.
    const box = async (selector: string) => (await op.locator(selector).boundingBox())!;
    const [log, pane, section] = [await box('#conversation'), await box('.deliveries-scroll'), await box('section.conversation')];
    expect(log.height).toBeGreaterThanOrEqual(160);
    expect(log.height).toBeGreaterThan(pane.height);
    expect(pane.height).toBeLessThanOrEqual(760 * 0.3 + 1);
    expect(section.y + section.height).toBeLessThanOrEqual(760);
    expect(await op.locator('.deliveries-scroll').evaluate((node) => node.scrollHeight > node.clientHeight)).toBe(true);
    // The newest message in view: the log stays scrolled to its end when the deliveries pane fills.
    const newest = op.locator('#conversation .from-operator', { hasText: 'Operator message 96' });
    await expect.poll(() => newest.evaluate((node) => node.getBoundingClientRect().bottom <= node.parentElement!.getBoundingClientRect().bottom + 1)).toBe(true);
    await op.screenshot({ path: join(SHOTS, 'operator-100-deliveries.png') });

    // Another client: its own deliveries.
    await op.locator('#clients button[data-client-id=many-b]').click();
    await count.filter({ hasText: 'to many-b: 30' }).waitFor();
    expect(await op.locator('#deliveries tr[data-state=delivered]').count()).toBe(30);
    // Folded, the pane gives its room back to the conversation.
    await op.getByText('Webhook deliveries', { exact: false }).first().click();
    await expect.poll(async () => (await box('#conversation')).height).toBeGreaterThan(log.height + 100);
    expectClean();
  }, 60_000);

  it('searches the client list (by id or last message), and Enter opens the first match', async () => {
    for (const clientId of ['search-alpha', 'search-beta', 'search-gamma']) await control(`/channels/${TOKEN}/clients/${clientId}/operator-replies`, { text: `hello ${clientId}` });
    const op = await operatorConsole('search-alpha');
    const search = op.getByRole('searchbox', { name: 'Search clients' });
    await search.fill('beta');
    await expect.poll(() => op.locator('#clients button[data-client-id]').evaluateAll((nodes) => nodes.map((n) => (n as HTMLElement).dataset.clientId))).toEqual(['search-beta']);
    await search.press('Enter');
    await op.getByRole('heading', { name: 'Conversation with search-beta' }).waitFor();
    await search.fill('hello search-gam');
    await expect.poll(() => op.locator('#clients button[data-client-id]').evaluateAll((nodes) => nodes.map((n) => (n as HTMLElement).dataset.clientId))).toEqual(['search-gamma']);
    await search.fill('nobody-has-this');
    await op.getByText('No client matches “nobody-has-this”.').waitFor();
    expectClean();
  });

  it('a long client id does not wrap or widen the layout', async () => {
    const long = `user-${'0123456789abcdef'.repeat(12)}`;
    await control(`/channels/${TOKEN}/clients/${long}/operator-replies`, { text: 'A long id' });
    const op = await operatorConsole(long);
    expect(await op.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1100);
    const entry = op.locator(`#clients button[data-client-id="${long}"] .id`);
    // One line, cut with an ellipsis; the full id in its tooltip.
    expect(await entry.evaluate((node) => [node.scrollWidth > node.clientWidth, getComputedStyle(node).whiteSpace, node.getBoundingClientRect().height < 30])).toEqual([true, 'nowrap', true]);
    expect(await entry.getAttribute('title')).toBe(long);
    const heading = await op.locator('#conversation-title').boundingBox();
    expect(heading!.height).toBeLessThan(30);
    expectClean();
  });

  it('is usable at phone width (390 × 844): no sideways scroll, the reply field and the conversation in view', async () => {
    await control(`/channels/${TOKEN}/clients/phone-user/operator-replies`, { text: 'Hello from the phone test' });
    const phone = await session.newContext({ width: 390, height: 844 });
    try {
      const op = await phone.newPage();
      await op.goto(`${stub.url}/operator/?clientId=phone-user`);
      await op.getByRole('heading', { name: 'Conversation with phone-user' }).waitFor();
      expect(await op.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      for (const control of [op.getByRole('textbox', { name: 'Operator reply' }), op.getByRole('button', { name: 'Send as operator' }), op.getByRole('button', { name: 'Take over' }), op.getByRole('searchbox', { name: 'Search clients' })]) {
        const box = (await control.boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(390);
        expect(box.y + box.height).toBeLessThanOrEqual(844);
      }
      expect((await op.locator('#conversation').boundingBox())!.height).toBeGreaterThanOrEqual(128);
      // The deliveries start folded there.
      expect(await op.locator('#deliveries-pane').evaluate((node) => (node as HTMLDetailsElement).open)).toBe(false);
      await op.getByRole('textbox', { name: 'Operator reply' }).fill('Typed on a phone');
      await op.getByRole('button', { name: 'Send as operator' }).click();
      await op.locator('#conversation .from-operator', { hasText: 'Typed on a phone' }).waitFor();
      await op.screenshot({ path: join(SHOTS, 'operator-phone.png') });

      const pg = await phone.newPage();
      await pg.goto(`${stub.url}/playground/?clientId=phone-user`);
      await pg.waitForSelector('body[data-ready=true]', { state: 'attached' });
      expect(await pg.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await say(pg, '/start');
      await botMessages(pg).filter({ hasText: 'What shall I show you?' }).waitFor();
      const send = (await pg.getByRole('button', { name: 'Send', exact: true }).boundingBox())!;
      expect(send.x + send.width).toBeLessThanOrEqual(390);
      expect(send.y + send.height).toBeLessThanOrEqual(844);
      await pg.screenshot({ path: join(SHOTS, 'playground-phone.png') });
      expectClean();
    } finally {
      await phone.close();
    }
  });
});

describe('the operator console (/operator/)', () => {
  it('shows an operator reply in the playground within 2 s', async () => {
    const page = await playground('pg-operator');
    await say(page, 'hello');
    await page.getByText('Hi there!').waitFor();
    const op = await operatorConsole('pg-operator');
    await op.getByRole('textbox', { name: 'Operator reply' }).fill('Hello, this is Anna from support.');
    const clicked = Date.now();
    await op.getByRole('button', { name: 'Send as operator' }).click();
    await page.locator('#log > li[data-author=OPERATOR]', { hasText: 'Hello, this is Anna from support.' }).waitFor({ timeout: 2_000 });
    expect(Date.now() - clicked).toBeLessThan(2_000);
    // Shown, so marked READ; the console sees it live.
    await page.locator('#log > li[data-author=OPERATOR][data-status=READ]').waitFor();
    await op.locator('#conversation .from-operator', { hasText: 'Anna' }).waitFor();
    expectClean();
  });

  it('takes a conversation over after a switch reply: the bot is silent until the operator closes it or the client sends a close phrase', async () => {
    const page = await playground('pg-takeover');
    await say(page, 'operator');
    await page.getByText('The bot handed the conversation to an operator.').waitFor();
    const op = await operatorConsole('pg-takeover');
    await op.locator('#handler[data-handler=waiting]').waitFor();
    await op.getByRole('button', { name: 'Take over' }).click();
    await op.locator('#handler[data-handler=operator]').waitFor();

    // The bot stays silent: the client's message reaches the console, no bot reply comes.
    const bots = await botMessages(page).count();
    await say(page, 'hello');
    await op.locator('#conversation .from-client', { hasText: 'hello' }).waitFor();
    await page.getByText('Sent to the operator.').waitFor();
    await page.waitForTimeout(500);
    expect(await botMessages(page).count()).toBe(bots);
    await op.getByRole('textbox', { name: 'Operator reply' }).fill('I am here.');
    await op.getByRole('button', { name: 'Send as operator' }).click();
    await page.locator('#log > li[data-author=OPERATOR]', { hasText: 'I am here.' }).waitFor();

    // The operator closes the conversation: the bot answers again.
    await op.getByRole('button', { name: 'Close conversation' }).click();
    await op.locator('#handler[data-handler=bot]').waitFor();
    await say(page, 'hello');
    await botMessages(page).nth(bots).waitFor();

    // Again, and this time the client ends it with the switch's close button (its closeChatPhrase).
    await say(page, 'operator');
    await botMessages(page).nth(bots + 1).waitFor();
    await say(page, 'still there?');
    await page.getByText('Sent to the operator.').waitFor();
    await page.getByRole('button', { name: 'End the chat with the operator' }).last().click();
    await page.getByText('Goodbye!').waitFor();
    await op.locator('#handler[data-handler=bot]').waitFor();
    await op.screenshot({ path: join(SHOTS, 'operator.png') });
    expectClean();
  });

  it('lists the channel\'s clients with their last message and unread count, and marks messages READ once the playground shows them', async () => {
    const page = await playground('pg-unread');
    await say(page, 'hello');
    await page.getByText('Hi there!').waitFor();
    await page.close();
    const op = await operatorConsole('pg-unread');
    await op.getByRole('textbox', { name: 'Operator reply' }).fill('Are you there?');
    await op.getByRole('button', { name: 'Send as operator' }).click();
    const entry = op.locator('#clients button[data-client-id=pg-unread]');
    await entry.locator('.pill.unread', { hasText: '1 unread' }).waitFor();
    expect(await entry.locator('.last').innerText()).toBe('operator: Are you there?');

    const again = await playground('pg-unread');
    await again.locator('#log > li[data-author=OPERATOR][data-status=READ]').waitFor();
    expect(await again.locator('#unread').innerText()).toBe('0');
    await entry.locator('.pill.unread').waitFor({ state: 'detached' });
    expectClean();
  });

  it('leaves messages unread while the playground is hidden, counts them, and marks them READ when it is shown again', async () => {
    const page = await playground('pg-hidden');
    await say(page, 'hello');
    await page.getByText('Hi there!').waitFor();
    const op = await operatorConsole('pg-hidden');
    // Headless Chromium keeps every page visible: the page is told it is hidden, as a browser does
    // for a background tab (the Page Visibility API's state and event).
    const setVisibility = (state: 'hidden' | 'visible') =>
      page.evaluate((value) => {
        Object.defineProperty(document, 'visibilityState', { value, configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);
    await setVisibility('hidden');
    await op.getByRole('textbox', { name: 'Operator reply' }).fill('While you were away.');
    await op.getByRole('button', { name: 'Send as operator' }).click();
    const away = page.locator('#log > li[data-author=OPERATOR]', { hasText: 'While you were away.' });
    await away.waitFor();
    await page.locator('#unread', { hasText: '1' }).waitFor();
    expect(await away.getAttribute('data-status')).toBe('SENT');
    expect(await page.title()).toBe('(1) Chat playground');

    await setVisibility('visible');
    await page.locator('#log > li[data-author=OPERATOR][data-status=READ]').waitFor();
    await page.locator('#unread', { hasText: '0' }).waitFor();
    expect(await page.title()).toBe('Chat playground');
    expectClean();
  });

  it('triggers a reply timeout, and shows the webhook URL and every delivery with its attempts and payload', async () => {
    const received: unknown[] = [];
    const receiver: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      const page = await playground('pg-timeout');
      await say(page, 'remind me');
      await page.getByText('If you stay silent for 5 s').waitFor();
      const op = await operatorConsole('pg-timeout');
      await op.getByRole('textbox', { name: 'Webhook URL' }).fill(hook);
      await op.getByRole('button', { name: 'Save' }).click();
      await op.getByText(`Webhook: ${hook}`).waitFor();
      await op.getByRole('button', { name: 'Trigger reply timeout' }).click();
      // The timeout reply comes to the playground as an event, well before the 5 s.
      await page.getByText('Are you still there?').waitFor({ timeout: 3_000 });
      const row = op.locator('#deliveries tr[data-state=delivered]');
      await row.waitFor();
      expect(await row.locator('td').nth(2).innerText()).toMatch(/ 200 \(\d+ ms\)/);
      await row.getByText('payload').click();
      expect(await row.locator('details pre').innerText()).toContain('Are you still there?');
      expect(received).toHaveLength(1);
      // No timeout pending any more: the console says so (409) instead of failing silently.
      await op.getByRole('button', { name: 'Trigger reply timeout' }).click();
      await op.getByText(/409 The client has no pending reply timeout/).waitFor();
      session.scriptErrors.splice(0, session.scriptErrors.length, ...session.scriptErrors.filter((e) => !/status of 409/.test(e)));
      await op.getByRole('textbox', { name: 'Webhook URL' }).fill('');
      await op.getByRole('button', { name: 'Save' }).click();
      await op.getByText('No webhook.').waitFor();
      expectClean();
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});

describe('the docs', () => {
  it('renders the Chat API docs at /docs and the control API docs at /_stub/docs without the network', async () => {
    for (const [path, heading, group, operation] of [
      ['/docs', 'Chat API (Aimylogic / JAICP) (1.0.0)', 'Messages', 'Send a client query or event and wait for the reply'],
      ['/_stub/docs', 'Chat API server stub — control API (1.0.0)', 'Operator console', "The channel's clients"],
    ] as const) {
      const page = await session.newPage();
      await page.goto(`${stub.url}${path}`);
      await page.getByRole('heading', { name: heading }).waitFor();
      // Redoc's "API docs by" badge: its logo is inline (scripts/offline-docs.mjs), not from its CDN.
      expect(await page.locator('img[alt="redocly logo"]').getAttribute('src')).toMatch(/^data:image\/svg\+xml,/);
      // An operation with its generated code samples.
      await page.getByText(group, { exact: true }).first().click();
      await page.getByText(operation, { exact: true }).first().click();
      await page.getByText('curl -s', { exact: false }).first().waitFor();
      await page.waitForLoadState('networkidle');
      await page.close();
    }
    expectClean();
  });

  it('shows the user journeys of openapi/workflows/chat.arazzo.yaml, each step linked to its operation', async () => {
    const page = await session.newPage();
    await page.goto(`${stub.url}/docs`);
    await page.getByText('Workflows', { exact: true }).first().click();
    // Each workflow is an entry of the sidebar; the stub-only one says so.
    await page.getByText('Send asynchronously, then see the reply delivered to the webhook (stub only)', { exact: true }).first().waitFor();
    await page.getByText("Save the chat application's state, then load it back", { exact: true }).first().click();
    // A step's link goes to the operation it calls.
    await page.getByRole('link', { name: 'loadState', exact: true }).first().click();
    await page.getByRole('heading', { name: "Load the chat application's state" }).first().waitFor();
    await page.close();
    expectClean();
  });
});
