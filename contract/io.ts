// Where a command writes: stdout and stderr by default, a buffer in tests; how it reads its arguments.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const consoleIo: Io = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) };

/** A command line the command cannot run: said with the command's usage, exit 2. */
export class UsageError extends Error {}

/** node:util's parseArgs (strict by default: an unknown option is an error), its errors thrown as UsageErrors. */
export function strictArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * A command's arguments, or the exit code when there is nothing to run: 0 after printing the
 * usage (`--help`), 2 after a usage error with the usage below it.
 */
export function parsedArguments<T>(command: string, usage: string, io: Io, parse: () => T | 'help'): T | 0 | 2 {
  let parsed;
  try {
    parsed = parse();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${command}: ${error.message}\n\n${usage}`);
    return 2;
  }
  if (parsed === 'help') {
    io.out(usage);
    return 0;
  }
  return parsed;
}
