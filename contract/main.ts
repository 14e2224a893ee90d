// `chatapi-contract [command] …`: picks the subcommand and hands it the rest of the line. Without
// one (or with an option first) it is `run`, so that `chatapi-contract --base-url …` keeps working.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { COMMANDS } from './commands.js';
import { consoleIo, type Io } from './io.js';

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2;
  const lines = Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(width)}${entry.summary}`);
  return `Usage: chatapi-contract [command] [options]\n\nCommands:\n${lines.join('\n')}\n\n\`chatapi-contract <command> --help\` tells a command's options.`;
}

export async function main(argv: string[] = process.argv.slice(2), io: Io = consoleIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === 'help') {
    io.out(usage());
    return 0;
  }
  const named = first !== undefined && !first.startsWith('-');
  const entry = named ? COMMANDS[first] : COMMANDS.run;
  if (!entry) {
    io.err(`chatapi-contract: unknown command ${JSON.stringify(first)}\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  return command.main(named ? rest : argv, io);
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`chatapi-contract: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(2);
    },
  );
}
