// The chat playground (/playground/ on the stub): a client's side of a conversation, built on the
// typed client. ?clientId= and ?token= choose the conversation (defaults: a clientId kept in this
// browser, the stub's development token); each tab is its own connection (cid).
import { createChatApiClient, ChatApiEventsError, type ChatEvent, type ChatResponse, type Reply, type Schemas } from '../../client/index.js';
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
const sendButton = $<HTMLButtonElement>('send');
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

function addMessage(author: Author, questionId: string, body: Node[], meta: { timestamp?: string; status?: string; from?: string }): Shown | undefined {
  const key = `${author}:${questionId}`;
  if (shown.has(key)) return undefined;
  const who = author === 'CLIENT' ? 'You' : author === 'OPERATOR' ? 'Operator' : author === 'BOT' ? 'Bot' : author;
  const header = el('div', { class: 'meta' }, el('span', { class: 'who' }, who));
  if (meta.from) header.append(el('span', { class: 'from' }, meta.from));
  if (meta.timestamp) header.append(el('time', {}, meta.timestamp.slice(11, 19)));
  if (author !== 'CLIENT') header.append(el('span', { class: 'status' }));
  const item = el('li', { class: `message from-${author.toLowerCase()}`, 'data-question-id': questionId, 'data-author': author }, header, ...body);
  log.append(item);
  item.scrollIntoView({ block: 'end' });
  const message: Shown = { item, author, questionId };
  shown.set(key, message);
  if (author !== 'CLIENT') setStatusBadge(message, meta.status ?? 'SENT');
  return message;
}

function clientBody(text: string | undefined, event: string | undefined): Node[] {
  return [el('div', { class: 'reply reply-text' }, text ?? `event: ${event ?? '?'}`)];
}

/** The last reply asked the page to hide its text field while buttons are shown (blockForm). */
function applyBlockForm(block: boolean | undefined): void {
  input.disabled = block === true;
  input.placeholder = block ? 'Choose one of the buttons' : 'Type a message';
}

function addResponse(response: ChatResponse, author: 'BOT' | 'OPERATOR', from?: string): void {
  const replies: Reply[] = response.data.replies;
  // During an operator's conversation the bot is silent: the envelope has no replies to show.
  if (replies.length === 0) return;
  const added = addMessage(author, response.questionId, replies.map((reply) => renderReply(reply, send)), { timestamp: response.timestamp, from });
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

// --- Sending ------------------------------------------------------------------------------------

async function send(query: string): Promise<void> {
  const started = performance.now();
  sendButton.disabled = true;
  showStatus('Sending…');
  const result = await client.sendMessage({ clientId, query, cid });
  sendButton.disabled = false;
  if (!result.ok) {
    showStatus(`Send failed: ${result.status} ${result.error.message}`, true);
    return;
  }
  const response = result.data;
  addMessage('CLIENT', response.questionId, clientBody(query, undefined), { timestamp: response.timestamp });
  addResponse(response, 'BOT');
  const silent = response.data.replies.length === 0;
  showStatus(silent ? 'Sent to the operator.' : `Reply in ${Math.round(performance.now() - started)} ms.`);
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
  void send(query);
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
    for await (const event of client.followEvents({ clientId, all: true, cid, ts, onRetry: () => showStatus('Reconnecting…', true) })) {
      onEvent(event);
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
      const body = m.author === 'CLIENT' ? clientBody(m.text, m.event) : (m.replies ?? [{ type: 'text', text: m.text ?? '' }]).map((r) => renderReply(r, send));
      addMessage(m.author, m.questionId, body, { timestamp: m.timestamp, status: m.status });
    }
  } else if (history.status !== 404) {
    // 404: a client that never wrote has no history yet.
    showStatus(`History failed: ${history.status} ${history.error.message}`, true);
  }
  await markRead();
  document.body.dataset.ready = 'true';
  if (!statusLine.classList.contains('error')) showStatus('Connected.');
  await follow(lastTs);
}

void start();
