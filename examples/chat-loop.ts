// A minimal chat UI loop on the typed client: send what the user types, print the bot's reply,
// and meanwhile follow the chat's events to print what a live operator writes (marking it read).
//
//   npm start                                    # the server stub, in another terminal
//   BASE_URL=http://127.0.0.1:3000 TOKEN=chatapi-dev-token npx tsx examples/chat-loop.ts
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { createChatApiClient, type Reply } from '../client/index.js';

export interface ChatLoopOptions {
  baseUrl: string;
  token: string;
  clientId: string;
  /** What the user types, line by line. */
  input: AsyncIterable<string>;
  print: (line: string) => void;
  /** Stops following events; the loop returns once the input has ended and this has aborted. */
  signal: AbortSignal;
}

/** One line per reply: how a real UI would render each reply type. */
export function formatReplies(replies: Reply[]): string {
  return replies
    .map((reply) => {
      switch (reply.type) {
        case 'text':
          return reply.text;
        case 'buttons':
        case 'inlineButtons':
          return reply.buttons.map((button) => `[${button.text}]`).join(' ');
        case 'image':
          return `(image ${reply.imageUrl})`;
        default:
          return `(${reply.type})`;
      }
    })
    .join('\n');
}

export async function runChatLoop({ baseUrl, token, clientId, input, print, signal }: ChatLoopOptions): Promise<void> {
  const api = createChatApiClient({ baseUrl, token });

  // Operator replies can come at any time, so they are followed alongside the dialogue.
  const following = (async () => {
    const events = api.followEvents({ clientId, signal, onRetry: (failure) => print(`(reconnecting: ${failure.error.message})`) });
    for await (const event of events) {
      if (event.type !== 'operatorResponse') continue;
      print(`operator: ${formatReplies(event.event.data.replies)}`);
      // The message is on screen: tell the operator's side it was read.
      await api.setMessageStatus({ clientId, questionId: event.event.questionId, status: 'READ' }, { signal });
    }
  })();

  for await (const line of input) {
    const query = line.trim();
    if (!query) continue;
    const result = await api.sendMessage({ clientId, query }, { signal });
    if (result.ok) print(`bot: ${formatReplies(result.data.data.replies)}`);
    else print(`error ${result.status}: ${result.error.message}`);
  }
  await following;
}

// Run directly: a terminal chat. Ctrl-C or the end of input stops it.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const controller = new AbortController();
  const lines = createInterface({ input: process.stdin });
  process.once('SIGINT', () => lines.close());
  // Once the last line has been answered (the loop asks for the next one), stop following too.
  async function* untilInputEnds() {
    yield* lines;
    controller.abort();
  }
  await runChatLoop({
    baseUrl: process.env.BASE_URL ?? 'http://127.0.0.1:3000',
    token: process.env.TOKEN ?? 'chatapi-dev-token',
    clientId: process.env.CLIENT_ID ?? `cli-${randomUUID()}`,
    input: untilInputEnds(),
    print: (line) => console.log(line),
    signal: controller.signal,
  });
}
