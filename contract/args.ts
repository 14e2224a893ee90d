// The run command's line, parsed with node:util's parseArgs (strict: an unknown option is an
// error). The run's options are checked by the engine (options.ts), as for `contractTests()`; this
// file only knows the flags' spelling and the report files. Bad arguments are a UsageError: exit 2.
import { DEFAULT_MAX_EXAMPLES, DEFAULT_RATE, DEFAULT_TIMEOUT_MS, type ContractRunInput } from './engine/options.js';
import { PHASES } from './engine/phases.js';
import { strictArgs, UsageError } from './io.js';


export interface ReportFiles {
  junit?: string;
  json?: string;
  har?: string;
  ndjson?: string;
}

export interface CommandLine {
  input: ContractRunInput;
  reports: ReportFiles;
  /** `--replay ID`: send the request of one finding again, from `--from FILE`. */
  replay?: { id: string; from: string };
}

export function usage(checkNames: readonly string[]): string {
  return `Usage: chatapi-contract [run] --base-url URL --token TOKEN [options]
       chatapi-contract --replay ID --from REPORT --base-url URL --token TOKEN

Checks a Chat API deployment against the bundled description, operation by operation.
Other commands (proxy, verify-har, evidence, diff): \`chatapi-contract help\` lists them.

  --base-url URL      the deployment, e.g. https://bot.jaicp.com or http://127.0.0.1:3000
                      (paths /chatapi/{token}/... are appended)
  --token TOKEN       the channel token (or the environment variable CHATAPI_CONTRACT_TOKEN)
  --webhook-port N    start a webhook receiver on 127.0.0.1:N (0: any free port); the deployment
                      must post to it, or the webhook checks fail
  --webhook-url URL   the address the deployment posts to, when it differs from
                      http://127.0.0.1:N/ (a tunnel, a proxy); needs --webhook-port
  --read-only         only calls with no lasting effect; the other checks are reported not run
  --stateless         the target keeps no state, e.g. a mock: behavioural checks are reported
                      as not applicable
  --rate N            at most N requests per second (default ${DEFAULT_RATE})
  --timeout MS        per request and per webhook wait (default ${DEFAULT_TIMEOUT_MS}); keep it above
                      the deployment's long-poll hold time
  --phases LIST       the phases to run, in this order, comma-separated (default: all):
                      ${PHASES.join(', ')}
  --checks LIST       only these checks (comma-separated), e.g. not_a_server_error,behaviour
  --exclude-checks L  every check but these
                      checks: ${checkNames.join(', ')}
  --seed N            the fuzz phase's seed (printed at the start of every run): replays a run
  --max-examples N    generated requests per operation and kind in the fuzz phase (default ${DEFAULT_MAX_EXAMPLES})
  --max-response-time MS
                      turns on max_response_time: any answer slower than MS is a violation
  --junit FILE        write a JUnit XML report
  --json FILE         write a JSON report (every check, every finding with its request and response)
  --ndjson FILE       write the run as NDJSON (a line per check, per finding, and the summary)
  --har FILE          write every exchange as HAR 1.2, each with its operation and findings
  --replay ID         send the request of the finding ID (printed as {f-…} under it) again and
                      judge the answer; --from names the JSON, NDJSON or HAR report that holds it
  -h, --help          show this help

Exit codes: 0 every check passed (for --replay: the finding is gone); 1 a check failed (the
target breaks the contract); 2 the run could not be made or did not complete (bad arguments,
unreachable target, token refused, a target that looks stateless without --stateless, interrupted).`;
}

function file(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!value) throw new UsageError(`--${name} needs a file name`);
  return value;
}

/** The command line as options for the engine, or `'help'`; throws UsageError. */
export function parseCommandLine(argv: string[]): CommandLine | 'help' {
  const { values } = strictArgs({
    args: argv,
    options: {
      'base-url': { type: 'string' },
      token: { type: 'string' },
      'webhook-port': { type: 'string' },
      'webhook-url': { type: 'string' },
      'read-only': { type: 'boolean' },
      stateless: { type: 'boolean' },
      rate: { type: 'string' },
      timeout: { type: 'string' },
      junit: { type: 'string' },
      json: { type: 'string' },
      ndjson: { type: 'string' },
      har: { type: 'string' },
      replay: { type: 'string' },
      from: { type: 'string' },
      phases: { type: 'string' },
      checks: { type: 'string' },
      'exclude-checks': { type: 'string' },
      seed: { type: 'string' },
      'max-examples': { type: 'string' },
      'max-response-time': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const input: ContractRunInput = {
    baseUrl: values['base-url'],
    token: values.token,
    webhookPort: values['webhook-port'],
    webhookUrl: values['webhook-url'],
    readOnly: values['read-only'],
    stateless: values.stateless,
    ratePerSecond: values.rate,
    timeoutMs: values.timeout,
    phases: values.phases,
    checks: values.checks,
    excludeChecks: values['exclude-checks'],
    seed: values.seed,
    maxExamples: values['max-examples'],
    maxResponseTimeMs: values['max-response-time'],
  };
  for (const key of Object.keys(input) as Array<keyof ContractRunInput>) if (input[key] === undefined) delete input[key];
  const reports: ReportFiles = {};
  for (const name of ['junit', 'json', 'ndjson', 'har'] as const) {
    const path = file(name, values[name]);
    if (path !== undefined) reports[name] = path;
  }
  const line: CommandLine = { input, reports };
  if (values.replay !== undefined) {
    if (!values.replay) throw new UsageError('--replay needs a finding id (f-…)');
    const from = file('from', values.from);
    if (!from) throw new UsageError('--replay needs --from: the report (JSON, NDJSON or HAR) that holds the finding');
    line.replay = { id: values.replay, from };
  } else if (values.from !== undefined) throw new UsageError('--from goes with --replay');
  return line;
}
