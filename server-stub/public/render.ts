// Renders Chat API replies as a chat application would, with DOM nodes only (no innerHTML of
// untrusted text): the playground and the operator console share it.
import type { Reply } from '../../client/index.js';

type Send = (query: string) => void;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}
export { el };

/** Only http(s) links (and geo: for locations) become links; anything else stays text. */
function safeUrl(url: string | undefined, allowed = ['http:', 'https:']): string | undefined {
  if (!url) return undefined;
  try {
    return allowed.includes(new URL(url, location.href).protocol) ? url : undefined;
  } catch {
    return undefined;
  }
}

const ALLOWED_TAGS = new Set(['B', 'STRONG', 'I', 'EM', 'U', 'S', 'CODE', 'BR', 'P', 'UL', 'OL', 'LI', 'A']);

/** HTML markup, keeping a small set of formatting tags (and http links); every other node becomes its text. */
function fromHtml(html: string): Node[] {
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html').body;
  const copy = (node: Node): Node[] => {
    if (node.nodeType === Node.TEXT_NODE) return [document.createTextNode(node.textContent ?? '')];
    if (!(node instanceof Element)) return [];
    const children = Array.from(node.childNodes).flatMap(copy);
    if (!ALLOWED_TAGS.has(node.tagName)) return children;
    const out = document.createElement(node.tagName.toLowerCase());
    if (node.tagName === 'A') {
      const href = safeUrl(node.getAttribute('href') ?? undefined);
      if (!href) return children;
      out.setAttribute('href', href);
      out.setAttribute('target', '_blank');
      out.setAttribute('rel', 'noopener');
    }
    out.append(...children);
    return [out];
  };
  return Array.from(parsed.childNodes).flatMap(copy);
}

/** A small Markdown subset: **bold**, *italic* or _italic_, `code`, [text](http-url). */
function fromMarkdown(text: string): Node[] {
  const nodes: Node[] = [];
  const pattern = /\*\*(.+?)\*\*|\*(.+?)\*|_(.+?)_|`(.+?)`|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    nodes.push(document.createTextNode(text.slice(last, m.index)));
    if (m[1] !== undefined) nodes.push(el('strong', {}, m[1]));
    else if (m[2] !== undefined || m[3] !== undefined) nodes.push(el('em', {}, (m[2] ?? m[3])!));
    else if (m[4] !== undefined) nodes.push(el('code', {}, m[4]));
    else {
      const href = safeUrl(m[6]);
      nodes.push(href ? el('a', { href, target: '_blank', rel: 'noopener' }, m[5]!) : document.createTextNode(m[0]));
    }
    last = m.index + m[0].length;
  }
  nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}

export function textNodes(text: string, markup?: string): Node[] {
  if (markup === 'html') return fromHtml(text);
  if (markup === 'markdown') return fromMarkdown(text);
  return [document.createTextNode(text)];
}

function note(kind: string, ...children: (Node | string)[]): HTMLElement {
  return el('div', { class: `note note-${kind}`, role: 'note' }, ...children);
}

/** One reply as DOM. `send` is what a button sends (absent: buttons are shown disabled, as in the console). */
export function renderReply(reply: Reply, send?: Send): HTMLElement {
  switch (reply.type) {
    case 'text':
      return el('div', { class: 'reply reply-text' }, ...textNodes(reply.text, reply.markup));
    case 'buttons': {
      const row = el('div', { class: 'reply reply-buttons' });
      for (const button of reply.buttons) {
        const b = el('button', { type: 'button', class: 'quick' }, button.text);
        // A button sends its transition when it has one (the bot goes there), else its text.
        if (send) b.addEventListener('click', () => send(button.transition ?? button.text));
        else b.disabled = true;
        row.append(b);
      }
      return row;
    }
    case 'inlineButtons': {
      const row = el('div', { class: 'reply reply-inline' });
      for (const button of reply.buttons) {
        const href = safeUrl(button.url);
        if (href) row.append(el('a', { class: 'link-button', href, target: '_blank', rel: 'noopener' }, button.text, ' ↗'));
        else {
          const b = el('button', { type: 'button', class: 'quick' }, button.text);
          if (send) b.addEventListener('click', () => send(button.transition ?? button.text));
          else b.disabled = true;
          row.append(b);
        }
      }
      return row;
    }
    case 'image': {
      const figure = el('figure', { class: 'reply reply-image' }, el('img', { src: reply.imageUrl, alt: reply.text ?? 'image', loading: 'lazy' }));
      if (reply.text) figure.append(el('figcaption', {}, reply.text));
      return figure;
    }
    case 'audio':
      return el('div', { class: 'reply reply-audio' }, el('div', { class: 'caption' }, 'Audio: ', reply.audioName ?? 'a recording'), el('audio', { controls: '', preload: 'none', src: reply.audioUrl }));
    case 'file':
      return el('div', { class: 'reply reply-file' }, el('a', { href: reply.fileUrl, download: reply.fileName ?? '', target: '_blank', rel: 'noopener' }, 'Download ', reply.fileName ?? reply.fileUrl));
    case 'carousel': {
      const cards = el('div', { class: 'cards' });
      for (const item of reply.content) {
        const card = el('div', { class: 'card' });
        if (item.image) card.append(el('img', { src: item.image, alt: item.title ?? '' }));
        card.append(el('div', { class: 'card-title' }, item.title ?? ''));
        if (item.description) card.append(el('div', { class: 'card-description' }, item.description));
        const href = safeUrl(item.url);
        if (href) card.append(el('a', { class: 'link-button', href, target: '_blank', rel: 'noopener' }, item.btnText ?? 'Open'));
        cards.append(card);
      }
      return el('div', { class: 'reply reply-carousel' }, ...(reply.text ? [el('div', {}, reply.text)] : []), cards);
    }
    case 'location':
      return el(
        'div',
        { class: 'reply reply-location' },
        el('a', { href: `geo:${reply.lat},${reply.lon}` }, `Location: ${reply.lat.toFixed(4)}, ${reply.lon.toFixed(4)}`),
      );
    case 'switch': {
      const box = note('switch', 'The bot handed the conversation to an operator.');
      const phrase = reply.closeChatPhrases?.[0];
      if (reply.appendCloseChatButton && phrase !== undefined) {
        const b = el('button', { type: 'button', class: 'quick' }, 'End the chat with the operator');
        if (send) b.addEventListener('click', () => send(phrase));
        else b.disabled = true;
        box.append(' ', b);
      }
      return box;
    }
    case 'timeout':
      return note('timeout', `If you stay silent for ${reply.interval} s, the bot goes on by itself (${reply.targetState}).`);
    default:
      return el('pre', { class: 'reply reply-raw' }, JSON.stringify(reply, null, 2));
  }
}
