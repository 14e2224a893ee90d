// examples/chat-loop.ts against the server stub: the user's lines get the bot's replies, an
// operator's message (injected through the stub's control API) is printed and marked READ.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runChatLoop } from '../../examples/chat-loop.js';
import { createChatApiClient } from '../../client/index.js';
import { startStub } from '../../server-stub/index.js';
import { packageRoot } from '../../description/bundle.js';
import { freshClientId, injectOperatorReply } from './stub-helpers.js';

let stub: Awaited<ReturnType<typeof startStub>>;
beforeAll(async () => {
  stub = await startStub({ port: 0, longPollMs: 2000 });
});
afterAll(async () => {
  await stub?.close();
});

describe('examples/chat-loop.ts', () => {
  it('prints the bot replies and an operator reply, marks it read, and stops on abort', async () => {
    const token = stub.tokens[0]!;
    const clientId = freshClientId('chat-loop');
    const lines: string[] = [];
    const controller = new AbortController();
    async function* typed() {
      yield '/start';
      yield 'What is this?';
    }
    const loop = runChatLoop({ baseUrl: stub.url, token, clientId, input: typed(), print: (line) => lines.push(line), signal: controller.signal });

    await vi.waitFor(() => expect(lines).toHaveLength(2), { timeout: 5000 });
    expect(lines[0]).toMatch(/^bot: Hello! I am the demo bot/);
    expect(lines[0]).toContain('[buttons] [image]');
    expect(lines[1]).toBe('bot: You said: What is this?');

    const operator = await injectOperatorReply(stub.url, token, clientId, 'Hello, this is Anna from support.');
    await vi.waitFor(() => expect(lines).toContain('operator: Hello, this is Anna from support.'), { timeout: 5000 });

    const api = createChatApiClient({ baseUrl: stub.url, token });
    await vi.waitFor(async () => {
      const status = await api.getMessageStatus({ clientId, questionId: operator.questionId });
      expect(status.ok && status.data.status).toBe('READ');
    });

    const abortedAt = Date.now();
    controller.abort();
    await loop;
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(lines).toHaveLength(3);
  });

  it('runs from the command line with BASE_URL and TOKEN, and exits when the input ends', async () => {
    const child = spawn(join(packageRoot(), 'node_modules', '.bin', 'tsx'), ['examples/chat-loop.ts'], {
      cwd: packageRoot(),
      env: { ...process.env, BASE_URL: stub.url, TOKEN: stub.tokens[0], CLIENT_ID: freshClientId('cli') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.stdin.end('a line from the terminal\n');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(output).toBe('bot: You said: a line from the terminal\n');
    expect(code).toBe(0);
  }, 30_000);
});
