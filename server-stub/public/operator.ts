// The operator console (/operator/ on the stub), built on the control API (/_stub/…): the
// channel's clients (searchable), a live conversation, replies as an operator, taking a
// conversation over after a switch reply and closing it, firing a reply timeout, the webhook URL
// and the selected client's deliveries.
import type { Reply, Schemas } from '../../client/index.js';
import { el, renderReply } from './render.js';

type HistoryMessage = Schemas['HistoryMessage'];
interface Takeover {
  handler: 'bot' | 'waiting' | 'operator';
  closeChatPhrases: string[];
  firstMessage?: string;
  since?: number;
}
interface ClientSummary {
  clientId: string;
  messageCount: number;
  lastMessage: HistoryMessage | null;
  unreadCount: number;
  takeover: Takeover;
}
interface Conversation {
  clientId: string;
  takeover: Takeover;
  unreadCount: number;
  messages: HistoryMessage[];
}
interface Delivery {
  id: string;
  url: string;
  state: string;
  payload: { questionId?: string }[];
  attempts: { at: string; statusCode?: number; error?: string; durationMs: number }[];
  error?: string;
}
interface ErrorBody {
  error: string;
  message: string;
}

const params = new URLSearchParams(location.search);
const token = params.get('token') ?? document.querySelector<HTMLMetaElement>('meta[name="chatapi-dev-token"]')?.content ?? '';
const channel = `/_stub/channels/${encodeURIComponent(token)}`;
let selected: string | undefined = params.get('clientId') ?? undefined;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const clientList = $<HTMLUListElement>('clients');
const conversationView = $<HTMLDivElement>('conversation');
const title = $<HTMLHeadingElement>('conversation-title');
const handlerNote = $<HTMLSpanElement>('handler');
const takeOverButton = $<HTMLButtonElement>('take-over');
const closeButton = $<HTMLButtonElement>('close-chat');
const timeoutButton = $<HTMLButtonElement>('fire-timeout');
const replyForm = $<HTMLFormElement>('operator-form');
const replyInput = $<HTMLInputElement>('operator-reply');
const replyButton = $<HTMLButtonElement>('operator-send');
const webhookForm = $<HTMLFormElement>('webhook-form');
const webhookInput = $<HTMLInputElement>('webhook-url');
const deliveriesPane = $<HTMLDetailsElement>('deliveries-pane');
const deliveriesBody = $<HTMLTableSectionElement>('deliveries');
const deliveriesCount = $<HTMLSpanElement>('deliveries-count');
const search = $<HTMLInputElement>('client-search');
const statusLine = $<HTMLDivElement>('status');
$('token').textContent = token;

function showStatus(text: string, isError = false): void {
  statusLine.textContent = text;
  statusLine.classList.toggle('error', isError);
}

/** One control API call: the JSON body, or an Error-shaped failure shown in the status line. */
async function control<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, signal?: AbortSignal): Promise<T | undefined> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      signal,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (!signal?.aborted) showStatus(`${method} ${path} failed: ${String(error)}`, true);
    return undefined;
  }
  if (response.status === 204) return undefined;
  const data = (await response.json().catch(() => undefined)) as T | ErrorBody | undefined;
  if (!response.ok) {
    const error = data as ErrorBody | undefined;
    showStatus(`${method} ${path}: ${response.status} ${error?.message ?? ''}`, true);
    return undefined;
  }
  return data as T;
}

// --- The clients --------------------------------------------------------------------------------

const HANDLER_TEXT: Record<Takeover['handler'], string> = { bot: 'bot', waiting: 'waiting for an operator', operator: 'operator' };

function summaryOf(message: HistoryMessage | null): string {
  if (!message) return '';
  const who = message.author === 'CLIENT' ? 'client' : message.author.toLowerCase();
  return `${who}: ${message.text ?? (message.event !== undefined ? `event ${message.event}` : (message.replies?.map((r) => r.type).join(', ') ?? ''))}`;
}

/** The clients of the last list: a conversation is only asked for once its client wrote (else 404). */
let known = new Set<string>();
/** The last list, rendered again (filtered) as the search changes. */
let allClients: ClientSummary[] = [];

/** Selects a client: its conversation and its deliveries. */
function select(clientId: string): void {
  selected = clientId;
  renderClients(allClients);
  void refreshConversation();
  void refreshDeliveries();
}

function renderClients(clients: ClientSummary[]): void {
  allClients = clients;
  known = new Set(clients.map((c) => c.clientId));
  if (selected === undefined && clients[0]) selected = clients[0].clientId;
  const wanted = search.value.trim().toLowerCase();
  const shown = wanted === '' ? clients : clients.filter((c) => c.clientId.toLowerCase().includes(wanted) || summaryOf(c.lastMessage).toLowerCase().includes(wanted));
  clientList.replaceChildren(
    ...shown.map((c) => {
      const pills = [el('span', { class: `pill ${c.takeover.handler}` }, HANDLER_TEXT[c.takeover.handler])];
      if (c.unreadCount > 0) pills.push(el('span', { class: 'pill unread', title: 'unread by the client' }, `${c.unreadCount} unread`));
      // A long id is cut with an ellipsis (its full text in the tooltip), never wrapped across the layout.
      const id = el('span', { class: 'id', title: c.clientId }, c.clientId);
      const button = el('button', { type: 'button', 'aria-current': String(c.clientId === selected), 'data-client-id': c.clientId }, el('div', { class: 'client-id' }, id, ...pills), el('div', { class: 'last' }, summaryOf(c.lastMessage)));
      button.addEventListener('click', () => select(c.clientId));
      return el('li', {}, button);
    }),
  );
  if (clients.length === 0) clientList.append(el('li', { class: 'empty' }, 'No client has written yet.'));
  else if (shown.length === 0) clientList.append(el('li', { class: 'empty' }, `No client matches “${search.value.trim()}”.`));
}
search.addEventListener('input', () => renderClients(allClients));
// Enter picks the first client the search shows.
search.addEventListener('keydown', (event) => {
  const first = clientList.querySelector<HTMLButtonElement>('button[data-client-id]');
  if (event.key === 'Enter' && first?.dataset.clientId) select(first.dataset.clientId);
});

// --- One conversation ---------------------------------------------------------------------------

function messageItem(m: HistoryMessage): HTMLElement {
  const replies: Reply[] = m.replies ?? [];
  const body = m.author === 'CLIENT' || replies.length === 0 ? [el('div', { class: 'reply reply-text' }, m.text ?? (m.event !== undefined ? `event: ${m.event}` : ''))] : replies.map((r) => renderReply(r));
  const who = m.author === 'CLIENT' ? 'Client' : m.author === 'OPERATOR' ? 'Operator' : m.author === 'BOT' ? 'Bot' : m.author;
  const meta = el('div', { class: 'meta' }, el('span', { class: 'who' }, who), el('time', {}, m.timestamp.slice(11, 19)));
  if (m.author !== 'CLIENT') meta.append(el('span', { class: 'status' }, m.status));
  // The client's messages on the right, as the client sees its own.
  return el('div', { class: `message from-${m.author === 'CLIENT' ? 'client' : m.author.toLowerCase()}`, 'data-question-id': m.questionId }, meta, ...body);
}

async function refreshConversation(): Promise<void> {
  const enabled = selected !== undefined;
  for (const control of [takeOverButton, closeButton, timeoutButton, replyButton, replyInput]) control.disabled = !enabled;
  if (selected === undefined) {
    title.textContent = 'No conversation selected';
    return;
  }
  title.title = selected;
  if (!known.has(selected)) {
    title.textContent = `No message from ${selected} yet`;
    return;
  }
  const conversation = await control<Conversation>('GET', `${channel}/clients/${encodeURIComponent(selected)}`);
  if (!conversation || conversation.clientId !== selected) return;
  title.textContent = `Conversation with ${conversation.clientId}`;
  const t = conversation.takeover;
  handlerNote.textContent = `Answered by: ${HANDLER_TEXT[t.handler]}${t.firstMessage ? ` — “${t.firstMessage}”` : ''}${t.closeChatPhrases.length ? ` (the client closes with ${t.closeChatPhrases.join(', ')})` : ''}`;
  handlerNote.dataset.handler = t.handler;
  takeOverButton.disabled = t.handler === 'operator';
  closeButton.disabled = t.handler === 'bot';
  conversationView.replaceChildren(...conversation.messages.map(messageItem));
  if (followingEnd) conversationView.scrollTop = conversationView.scrollHeight;
}

/** Whether the log shows its end: new messages and a resize (the deliveries pane filling) keep it there. */
let followingEnd = true;
conversationView.addEventListener('scroll', () => {
  followingEnd = conversationView.scrollHeight - conversationView.scrollTop - conversationView.clientHeight < 40;
});
new ResizeObserver(() => {
  if (followingEnd) conversationView.scrollTop = conversationView.scrollHeight;
}).observe(conversationView);

const act = async (path: string, done: string) => {
  if (selected === undefined) return;
  const ok = (await control('POST', `${channel}/clients/${encodeURIComponent(selected)}${path}`)) !== undefined || !statusLine.classList.contains('error');
  if (ok) showStatus(done);
};
takeOverButton.addEventListener('click', () => {
  showStatus('');
  void act('/takeover', 'You hold the conversation: the bot is silent until you close it.');
});
closeButton.addEventListener('click', () => {
  showStatus('');
  void act('/takeover/close', 'Closed: the bot answers again.');
});
timeoutButton.addEventListener('click', () => {
  showStatus('');
  void act('/timeout', 'The reply timeout fired.');
});

replyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = replyInput.value.trim();
  if (text === '' || selected === undefined) return;
  replyInput.value = '';
  void control('POST', `${channel}/clients/${encodeURIComponent(selected)}/operator-replies`, { text }).then((sent) => {
    if (sent) showStatus('Sent as operator.');
  });
});

// --- The webhook and its deliveries -------------------------------------------------------------

async function refreshSettings(): Promise<void> {
  const settings = await control<{ webhookUrl: string | null }>('GET', `${channel}/settings`);
  if (settings && document.activeElement !== webhookInput) webhookInput.value = settings.webhookUrl ?? '';
}

webhookForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const value = webhookInput.value.trim();
  void control('PUT', `${channel}/settings`, { webhookUrl: value === '' ? null : value }).then((saved) => {
    if (saved) showStatus(value === '' ? 'No webhook.' : `Webhook: ${value}`);
  });
});

/** The most recent deliveries shown; the count says how many there are in all. */
const DELIVERIES_SHOWN = 50;

/** The selected client's deliveries, most recent first. */
async function refreshDeliveries(): Promise<void> {
  const clientId = selected;
  if (clientId === undefined || !known.has(clientId)) {
    deliveriesCount.textContent = '';
    deliveriesBody.replaceChildren();
    return;
  }
  const list = await control<{ deliveries: Delivery[] }>('GET', `/_stub/deliveries?token=${encodeURIComponent(token)}&clientId=${encodeURIComponent(clientId)}`);
  if (!list || clientId !== selected) return;
  const { deliveries } = list;
  const failed = deliveries.filter((d) => d.state === 'failed').length;
  deliveriesCount.textContent = `to ${clientId}: ${deliveries.length}${failed ? `, ${failed} failed` : ''}${deliveries.length > DELIVERIES_SHOWN ? ` (the last ${DELIVERIES_SHOWN} shown)` : ''}`;
  deliveriesCount.title = clientId;
  deliveriesBody.replaceChildren(
    ...deliveries
      .slice(-DELIVERIES_SHOWN)
      .reverse()
      .map((d) => {
        const attempts = d.attempts.map((a) => `${a.at.slice(11, 19)} ${a.statusCode ?? a.error ?? '?'} (${a.durationMs} ms)`).join('\n');
        return el(
          'tr',
          { 'data-state': d.state },
          el('td', { class: 'ids-cell' }, d.payload.map((p) => p.questionId ?? '').join(', ')),
          el('td', {}, d.state, d.error ? ` — ${d.error}` : ''),
          el('td', {}, el('pre', {}, attempts || '–')),
          el('td', {}, el('details', {}, el('summary', {}, 'payload'), el('pre', {}, JSON.stringify(d.payload, null, 2)))),
        );
      }),
  );
  if (deliveries.length === 0) deliveriesBody.append(el('tr', {}, el('td', { colspan: '4', class: 'empty' }, 'No delivery to this client (a webhook URL gets its async and operator replies).')));
}

// --- Live: a long poll on the channel's version -------------------------------------------------

async function follow(): Promise<void> {
  let version: number | undefined;
  for (;;) {
    const query = version === undefined ? '' : `?after=${version}`;
    const list = await control<{ version: number; clients: ClientSummary[] }>('GET', `${channel}/clients${query}`);
    if (!list) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      continue;
    }
    const changed = list.version !== version;
    version = list.version;
    if (changed) {
      renderClients(list.clients);
      await Promise.all([refreshConversation(), refreshDeliveries()]);
      document.body.dataset.version = String(version);
    }
  }
}

// Delivery attempts happen later than the messages that caused them (retries): look again now and then.
setInterval(() => void refreshDeliveries(), 3000);
// Open on a wide screen; on a phone the pane starts folded, so that the conversation has the room.
deliveriesPane.open = matchMedia('(min-width: 701px)').matches;
void refreshSettings();
void follow();
