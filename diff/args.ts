// The command line of `chatapi-contract diff`, parsed with node:util's parseArgs (strict: an
// unknown option is an error). Bad arguments are a UsageError: exit 2.
import { FORMATS, type Format } from './report.js';
import type { Level } from './rules.js';
import { strictArgs, UsageError } from '../contract/io.js';


export const DEFAULT_ROOT = 'openapi/openapi.yaml';
const FAIL_ON = ['breaking', 'warning'] as const;

export const USAGE = `Usage: chatapi-contract diff OLD NEW [options]
       chatapi-contract diff --base REF [NEW] [options]

Compares two versions of an OpenAPI 3 description and reports each change that a rule knows, with
its level (breaking, warning, info), where it is (JSON pointer, source file and line) and whom it
breaks: the app calling the API (caller) or the back end receiving its webhooks (receiver).

  OLD, NEW         description files: a bundle (JSON or YAML), or the root of a multi-file
                   description, which Redocly bundles first
  --base REF       OLD is the description at git ref REF (bundled in a temporary worktree,
                   removed afterwards); NEW defaults to the working tree's
  --root PATH      where the description's root is in the repository, for --base
                   (default ${DEFAULT_ROOT})
  --format F       ${FORMATS.join(', ')} (default text)
  --fail-on L      exit 1 when a change is at least L: breaking (default) or warning
  --output FILE    write the report to FILE instead of stdout
  -h, --help       show this help

Exit codes: 0 no change at --fail-on or above; 1 such a change; 2 the diff could not be made.`;

export interface DiffOptions {
  old?: string;
  new?: string;
  base?: string;
  root: string;
  format: Format;
  failOn: Level;
  output?: string;
}

function oneOf<T extends string>(name: string, raw: string | undefined, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!allowed.includes(raw as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, not ${JSON.stringify(raw)}`);
  return raw as T;
}

export function parseDiffArgs(argv: string[]): DiffOptions | 'help' {
  const { values, positionals } = strictArgs({
    args: argv,
    allowPositionals: true,
    options: {
      base: { type: 'string' },
      root: { type: 'string' },
      format: { type: 'string' },
      'fail-on': { type: 'string' },
      output: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const options: DiffOptions = {
    root: values.root ?? DEFAULT_ROOT,
    format: oneOf('format', values.format, FORMATS, 'text'),
    failOn: oneOf('fail-on', values['fail-on'], FAIL_ON, 'breaking'),
  };
  if (values.output !== undefined) {
    if (!values.output) throw new UsageError('--output needs a file name');
    options.output = values.output;
  }
  if (values.base !== undefined) {
    if (!values.base) throw new UsageError('--base needs a git ref');
    if (positionals.length > 1) throw new UsageError(`--base takes at most one file (NEW), not ${positionals.length}`);
    options.base = values.base;
    options.new = positionals[0];
    return options;
  }
  if (values.root !== undefined) throw new UsageError('--root goes with --base');
  if (positionals.length !== 2) throw new UsageError(`give two descriptions, OLD and NEW (or --base REF), not ${positionals.length}`);
  [options.old, options.new] = positionals;
  return options;
}
