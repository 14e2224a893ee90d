// Why a check did not run. Every reason here is one the user chose with an option: a check that
// could not run for any other reason fails, or leaves the run incomplete; it is never skipped.
export enum SkipReason {
  /** `--checks` / `--exclude-checks` left it out. */
  NotChosen = 'not-chosen',
  /** `--phases` left its phase out. */
  PhaseOff = 'phase-off',
  /** `--stateless`: the target keeps no state (a mock), so the check cannot show anything. */
  Stateless = 'stateless',
  /** No `--webhook-port`: the user did not ask for the webhook checks. */
  NoWebhookReceiver = 'no-webhook-receiver',
  /** `--read-only`: the check would call an operation with lasting effects. */
  ReadOnly = 'read-only',
}

export type SkipStatus = 'not run' | 'not applicable';

/** `not applicable` when the target cannot show it; `not run` when the options kept it from running. */
export function skipStatus(reason: SkipReason): SkipStatus {
  return reason === SkipReason.Stateless ? 'not applicable' : 'not run';
}

/** A check's own decision not to run, with what it would have needed. */
export interface Skip {
  reason: SkipReason;
  /** What exactly (the operation --read-only forbids, the phase that is off…). */
  detail?: string;
}

const TEXT: Record<SkipReason, string> = {
  [SkipReason.NotChosen]: 'not chosen (--checks, --exclude-checks)',
  [SkipReason.PhaseOff]: 'its phase is off (--phases)',
  [SkipReason.Stateless]: 'needs a target that keeps state (--stateless)',
  [SkipReason.NoWebhookReceiver]: 'needs the webhook receiver (--webhook-port)',
  [SkipReason.ReadOnly]: '--read-only',
};

export function skipText(skip: Skip): string {
  return skip.detail ? `${TEXT[skip.reason]}: ${skip.detail}` : TEXT[skip.reason];
}
