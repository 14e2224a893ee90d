// The stub as a user starts it from a shell (`npm start`, `npx chatapi-stub`), in a process group of
// its own: resolves once it printed its address and answered a send, with the time that took.
import { spawnGroup, type GroupProcess } from './process-group.js';

export interface StubCommand extends GroupProcess {
  url: string;
  /** Milliseconds from the spawn to the first 200 of `POST /chatapi/{token}`. */
  firstAnswerMs: number;
}

export async function startStubCommand(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; token?: string; timeoutMs?: number } = {},
): Promise<StubCommand> {
  const started = performance.now();
  // PORT 0 unless told: the stub picks a free port and prints it.
  const server = spawnGroup(command, args, { cwd: options.cwd, env: { PORT: '0', ...options.env } });
  const deadline = started + (options.timeoutMs ?? 60_000);
  try {
    let url: string | undefined;
    for (;;) {
      url ??= /Chat API server stub on (http:\/\/\S+)/.exec(server.output())?.[1];
      if (server.child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited with ${server.child.exitCode}:\n${server.output()}`);
      if (performance.now() > deadline) throw new Error(`${command} ${args.join(' ')}: no answer within ${options.timeoutMs ?? 60_000} ms:\n${server.output()}`);
      if (url !== undefined) {
        const answer = await fetch(`${url}/chatapi/${options.token ?? 'chatapi-dev-token'}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ clientId: 'first-answer', query: '/start' }),
        }).catch(() => undefined);
        if (answer?.ok) return { ...server, url, firstAnswerMs: performance.now() - started };
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
}
