// The subcommands of `chatapi-contract`. With no subcommand (or `run`) the command checks a
// deployment (cli.ts); the others are loaded only when named, so that each starts with no more
// than it needs. Every command module exports `main(argv, io)` and returns its exit code.
import type { Io } from './io.js';

export interface CommandModule {
  main(argv: string[], io: Io): Promise<number>;
}

export interface CommandEntry {
  /** One line for `chatapi-contract --help`. */
  summary: string;
  load(): Promise<CommandModule>;
}

export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  run: { summary: 'check a deployment against the description (the default)', load: () => import('./cli.js') },
  proxy: { summary: 'a validating, recording proxy in front of a deployment, both directions', load: () => import('../traffic/proxy-command.js') },
  'verify-har': { summary: 'judge recorded traffic (HAR files) against the description', load: () => import('../traffic/verify-har-command.js') },
  evidence: { summary: 'which inferred and observed choices of the description recorded traffic confirms, contradicts or never exercised', load: () => import('../traffic/evidence-command.js') },
  diff: { summary: 'compare two versions of the description: what breaks the apps and the webhook receivers', load: () => import('../diff/command.js') },
};
