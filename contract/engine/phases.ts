// The phases of a run, in the order they run; `--phases` turns any of them off.
export enum Phase {
  /** Requests from the description's examples and schemas, negative requests, scenario checks. */
  Examples = 'examples',
  /** Deterministic boundary cases of every parameter and body member; methods a path lacks. */
  Coverage = 'coverage',
  /** Requests generated from the schemas with fast-check, seeded, failures shrunk. */
  Fuzz = 'fuzz',
  /** Sequences that feed one answer into the next request (the description's links, and links by name). */
  Stateful = 'stateful',
}

export const PHASES: readonly Phase[] = [Phase.Examples, Phase.Coverage, Phase.Fuzz, Phase.Stateful];

