// The chat playground (/playground/ on the stub): a client's side of a conversation, built on the
// typed client. ?clientId= and ?token= choose the conversation (defaults: a clientId kept in this
// browser, the stub's development token); each tab is its own connection (cid). A message the stub
// did not take (it is down, restarting) stays in the conversation, marked not sent, and is sent
// again, in order, as soon as the stub answers, or at once on a click.
import { createChatApiClient, ChatApiEventsError, type ChatEvent, type ChatResponse, type Reply, type Schemas } from '../../client/index.js';
import { isTransient } from '../../client/events.js';
import { el, renderReply } from './render.js';

type HistoryMessage = Schemas['HistoryMessage'];
type Author = HistoryMessage['author'];

const params = new URLSearchParams(location.search);
const devToken = document.querySelector<HTMLMetaElement>('meta[name="chatapi-dev-token"]')?.content ?? '';
const token = params.get('token') ?? devToken;

function remembered(storage: Storage, key: string, make: () => string): string {
  const known = storage.getItem(key);
  if (known) return known;
  const fresh = make();
  storage.setItem(key, fresh);
  return fresh;
}
const clientId = params.get('clientId') ?? remembered(localStorage, 'chatapi-playground.clientId', () => `web-${crypto.randomUUID().slice(0, 8)}`);
// sessionStorage is per tab and survives a reload: one cid per tab, the same after F5.
const cid = remembered(sessionStorage, 'chatapi-playground.cid', () => `tab-${crypto.randomUUID().slice(0, 8)}`);

const client = createChatApiClient({ baseUrl: location.origin, token });

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const log = $<HTMLOListElement>('log');
const form = $<HTMLFormElement>('composer');
const input = $<HTMLInputElement>('message');
const unreadBadge = $<HTMLSpanElement>('unread');
const statusLine = $<HTMLDivElement>('status');
$('client-id').textContent = clientId;
$('cid').textContent = cid;

function showStatus(text: string, isError = false): void {
  statusLine.textContent = text;
  statusLine.classList.toggle('error', isError);
}

// --- Messages ---------------------------------------------------------------------------------

interface Shown {
  item: HTMLLIElement;
  author: Author;
  questionId: string;
  status?: string;
}
/** Rendered messages by `author:questionId`, so that history, replies and events never show one twice. */
const shown = new Map<string, Shown>();

function setStatusBadge(message: Shown, status: string): void {
  message.status = status;
  const badge = message.item.querySelector('.status');
  if (badge) badge.textContent = status === 'READ' ? '✓✓ READ' : status;
  message.item.dataset.status = status;
}

function addMessage(author: Author, questionId: string, body: Node[], meta: { timestamp?: string; status?: string; from?: string; after?: Element }): Shown | undefined {
  const key = `${author}:${questionId}`;
  if (shown.has(key)) return undefined;
  const who = author === 'CLIENT' ? 'You' : author === 'OPERATOR' ? 'Operator' : author === 'BOT' ? 'Bot' : author;
  const header = el('div', { class: 'meta' }, el('span', { class: 'who' }, who));
  if (meta.from) header.append(el('span', { class: 'from' }, meta.from));
  if (meta.timestamp) header.append(el('time', {}, meta.timestamp.slice(11, 19)));
  if (author !== 'CLIENT') header.append(el('span', { class: 'status' }));
  const item = el('li', { class: `message from-${author.toLowerCase()}`, 'data-question-id': questionId, 'data-author': author }, header, ...body);
  hideHint();
  // A reply goes right after its message, before messages still waiting in the outbox.
  if (meta.after) meta.after.after(item);
  else log.append(item);
  item.scrollIntoView({ block: 'end' });
  const message: Shown = { item, author, questionId };
  shown.set(key, message);
  if (author !== 'CLIENT') setStatusBadge(message, meta.status ?? 'SENT');
  return message;
}

/**
 * What the client's buttons send: a button with a transition sends it as the query (`/Carousel`),
 * which the conversation shows as the button's label (`carousel`), from history too.
 */
const labelOfTransition = new Map<string, string>();

function rememberLabels(replies: readonly Reply[]): void {
  for (const reply of replies) {
    if (reply.type !== 'buttons' && reply.type !== 'inlineButtons') continue;
    for (const button of reply.buttons) if ('transition' in button && button.transition) labelOfTransition.set(button.transition, button.text);
  }
}

function clientBody(text: string | undefined, event: string | undefined): Node[] {
  const label = text === undefined ? undefined : labelOfTransition.get(text);
  if (label !== undefined) return [el('div', { class: 'reply reply-text', title: `sent as ${text}`, 'data-query': text! }, label)];
  return [el('div', { class: 'reply reply-text' }, text ?? `event: ${event ?? '?'}`)];
}

/** The last reply asked the page to hide its text field while buttons are shown (blockForm). */
function applyBlockForm(block: boolean | undefined): void {
  input.disabled = block === true;
  input.placeholder = block ? 'Choose one of the buttons' : 'Type a message';
}

function addResponse(response: ChatResponse, author: 'BOT' | 'OPERATOR', from?: string, after?: Element): void {
  const replies: Reply[] = response.data.replies;
  // During an operator's conversation the bot is silent: the envelope has no replies to show.
  if (replies.length === 0) return;
  rememberLabels(replies);
  const added = addMessage(author, response.questionId, replies.map((reply) => renderReply(reply, send)), { timestamp: response.timestamp, from, after });
  if (added) {
    applyBlockForm(response.blockForm);
    void markRead();
  }
}

// --- Read statuses and the unread counter -------------------------------------------------------

async function refreshUnread(): Promise<void> {
  const result = await client.getNotReadCount({ clientId });
  if (!result.ok) return;
  const count = result.data.count;
  unreadBadge.textContent = String(count);
  unreadBadge.parentElement?.classList.toggle('has-unread', count > 0);
  document.title = count > 0 ? `(${count}) Chat playground` : 'Chat playground';
}

let marking = Promise.resolve();
/** Messages on screen are read while the page is visible: mark them READ, then show what is left. */
function markRead(): Promise<void> {
  marking = marking.then(async () => {
    if (document.visibilityState !== 'visible') return refreshUnread();
    const unread = [...shown.values()].filter((m) => m.author !== 'CLIENT' && m.status !== 'READ');
    if (unread.length > 0) {
      const result = await client.setMessageStatuses({ clientId, statuses: unread.map((m) => ({ questionId: m.questionId, status: 'READ' as const })) });
      if (result.ok) for (const m of unread) setStatusBadge(m, 'READ');
      else showStatus(`Marking messages read failed: ${result.status} ${result.error.message}`, true);
    }
    await refreshUnread();
  });
  return marking;
}
document.addEventListener('visibilitychange', () => void markRead());

// --- Sending: an outbox, so that nothing typed is lost while the stub is away -------------------

interface Outgoing {
  query: string;
  /** The message in the conversation, shown at once, marked sending / not sent until the stub takes it. */
  item: HTMLLIElement;
  note: HTMLElement;
}
/** Messages not yet taken by the stub, oldest first: sent one at a time, in order. */
const outbox: Outgoing[] = [];
let flushing = false;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let retryDelayMs = 1000;


function markOutgoing(message: Outgoing, state: 'sending' | 'not-sent', why?: string): void {
  message.item.dataset.state = state;
  message.note.replaceChildren(
    ...(state === 'sending' ? ['Sending…'] : [`Not sent${why ? `: ${why}` : ''}. `, el('button', { type: 'button', class: 'resend' }, 'Send now')]),
  );
}

function send(query: string): void {
  const note = el('div', { class: 'outbox-note', role: 'status' });
  const header = el('div', { class: 'meta' }, el('span', { class: 'who' }, 'You'));
  const item = el('li', { class: 'message from-client pending', 'data-author': 'CLIENT' }, header, ...clientBody(query, undefined), note);
  hideHint();
  log.append(item);
  item.scrollIntoView({ block: 'end' });
  const message: Outgoing = { query, item, note };
  markOutgoing(message, 'sending');
  // A click on "Send now" tries again at once (a message refused by the stub, too).
  item.addEventListener('click', (event) => {
    if ((event.target as HTMLElement).closest('.resend')) void flush();
  });
  outbox.push(message);
  void flush();
}

/** Sends the outbox in order; on a failure, keeps the rest and tries again later (or on a click). */
async function flush(): Promise<void> {
  if (flushing) return;
  flushing = true;
  clearTimeout(retryTimer);
  try {
    for (let next = outbox[0]; next !== undefined; next = outbox[0]) {
      markOutgoing(next, 'sending');
      const started = performance.now();
      const result = await client.sendMessage({ clientId, query: next.query, cid });
      if (!result.ok) {
        const why = result.status === 0 ? 'the stub does not answer' : `${result.status} ${result.error.message}`;
        for (const waiting of outbox) markOutgoing(waiting, 'not-sent', waiting === next ? why : 'waiting for the one above');
        if (isTransient(result)) {
          showStatus(`${outbox.length === 1 ? 'A message is' : `${outbox.length} messages are`} not sent: ${why}. Trying again in ${Math.round(retryDelayMs / 1000)} s, or press Send now.`, true);
          retryTimer = setTimeout(() => void flush(), retryDelayMs);
          retryDelayMs = Math.min(retryDelayMs * 2, 10_000);
        } else {
          showStatus(`Send failed: ${why}. Press Send now to try again.`, true);
        }
        return;
      }
      outbox.shift();
      retryDelayMs = 1000;
      const response = result.data;
      // The message is now the stub's: it gets its questionId and time, as history would show it.
      next.note.remove();
      next.item.classList.remove('pending');
      delete next.item.dataset.state;
      next.item.dataset.questionId = response.questionId;
      next.item.querySelector('.meta')?.append(el('time', {}, response.timestamp.slice(11, 19)));
      shown.set(`CLIENT:${response.questionId}`, { item: next.item, author: 'CLIENT', questionId: response.questionId });
      addResponse(response, 'BOT', undefined, next.item);
      const silent = response.data.replies.length === 0;
      showStatus(silent ? 'Sent to the operator.' : `Reply in ${Math.round(performance.now() - started)} ms.`);
    }
  } finally {
    flushing = false;
  }
}
// The browser says the network is back: do not wait for the next retry.
addEventListener('online', () => void flush());

// --- An empty conversation says what to try --------------------------------------------------------

let hint: HTMLLIElement | undefined;

function showHint(): void {
  const start = el('button', { type: 'button', class: 'quick' }, '/start');
  start.addEventListener('click', () => send('/start'));
  hint = el('li', { class: 'hint', role: 'note' }, 'No messages yet. Send ', start, ' to see what the bot can do, or type anything.');
  log.append(hint);
}

function hideHint(): void {
  hint?.remove();
  hint = undefined;
}

let draftTimer: ReturnType<typeof setTimeout> | undefined;
/** The page's own state (here: the unsent draft) is kept by the Chat API's save/load state. */
function saveDraft(draft: string): void {
  clearTimeout(draftTimer);
  draftTimer = setTimeout(() => void client.saveState({ clientId, state: { draft } }), 300);
}
input.addEventListener('input', () => saveDraft(input.value));

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const query = input.value.trim();
  if (query === '') return;
  input.value = '';
  saveDraft('');
  send(query);
});

// --- Events (long polling) ----------------------------------------------------------------------

/** questionIds of requests made by other pages (tabs) of the same client. */
const foreign = new Set<string>();

function onEvent(event: ChatEvent): void {
  switch (event.type) {
    case 'clientRequest': {
      const record = event.event;
      foreign.add(record.questionId);
      addMessage('CLIENT', record.questionId, clientBody(record.query, record.event), { timestamp: record.timestamp, from: 'another page' });
      break;
    }
    case 'botResponse':
      addResponse(event.event, 'BOT', foreign.has(event.event.questionId) ? 'another page' : undefined);
      break;
    case 'operatorResponse':
      addResponse(event.event, 'OPERATOR');
      break;
    case 'widgetStateChange':
      break; // another page saved its draft: this page keeps its own
  }
}

async function follow(ts: number): Promise<void> {
  try {
    // `ts` always given: the server's own cursor is per client, shared by every tab.
    for await (const event of client.followEvents({ clientId, all: true, cid, ts, onRetry: () => showStatus(outbox.length ? `Reconnecting… (${outbox.length} not sent yet)` : 'Reconnecting…', true) })) {
      onEvent(event);
      // An event: the stub is there again; what it did not take goes now.
      if (outbox.length > 0) void flush();
    }
  } catch (error) {
    showStatus(error instanceof ChatApiEventsError ? error.message : `Events stopped: ${String(error)}`, true);
  }
}

// --- Start: the page state, the history, then events after it ---------------------------------------

async function start(): Promise<void> {
  const [state, history] = await Promise.all([client.loadState({ clientId }), client.getHistory({ clientId })]);
  if (state.ok && typeof state.data.draft === 'string') input.value = state.data.draft;
  let lastTs = 0;
  if (history.ok) {
    for (const m of history.data.messages) {
      lastTs = Math.max(lastTs, m.ts ?? 0);
      if (m.replies) rememberLabels(m.replies);
      const body = m.author === 'CLIENT' ? clientBody(m.text, m.event) : (m.replies ?? [{ type: 'text', text: m.text ?? '' }]).map((r) => renderReply(r, send));
      addMessage(m.author, m.questionId, body, { timestamp: m.timestamp, status: m.status });
    }
  } else if (history.status !== 404) {
    // 404: a client that never wrote has no history yet.
    showStatus(`History failed: ${history.status} ${history.error.message}`, true);
  }
  if (shown.size === 0 && outbox.length === 0) showHint();
  await markRead();
  document.body.dataset.ready = 'true';
  if (!statusLine.classList.contains('error')) showStatus('Connected.');
  await follow(lastTs);
}

void start();
