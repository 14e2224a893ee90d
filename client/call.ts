// Runs one openapi-fetch call under the caller's abort signal and a timeout, and turns whatever
// happens (a response, a network failure, a timeout, an abort) into an ApiResult, never a throw.
import type { ApiError, ApiResult, ClientError, ClientErrorCode, OperationId } from './types.js';

interface Deadline {
  signal: AbortSignal;
  /** Which of the two signals fired, if any. */
  reason(): 'aborted' | 'timeout' | undefined;
  dispose(): void;
}

/**
 * One signal that fires on the caller's abort or after `timeoutMs`. Written out rather than with
 * AbortSignal.any/timeout: listeners on a long-lived caller signal (followEvents keeps one for
 * hours) must be removed after each call, and React Native lacks AbortSignal.any.
 */
function deadline(outer: AbortSignal | undefined, timeoutMs: number): Deadline {
  const controller = new AbortController();
  let fired: 'aborted' | 'timeout' | undefined;
  const onAbort = () => {
    fired ??= 'aborted';
    controller.abort(outer?.reason);
  };
  if (outer?.aborted) onAbort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  const timer =
    Number.isFinite(timeoutMs) && timeoutMs > 0
      ? setTimeout(() => {
          fired ??= 'timeout';
          controller.abort(new Error(`timed out after ${timeoutMs} ms`));
        }, timeoutMs)
      : undefined;
  return {
    signal: controller.signal,
    reason: () => fired,
    dispose() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    },
  };
}

function clientError(code: ClientErrorCode, message: string, cause?: unknown): ClientError {
  return cause === undefined ? { error: code, message } : { error: code, message, cause };
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
    return `${cause.message}${inner}`;
  }
  return String(cause);
}

/** The error body as the description's Error, or a made-up one when the server sent something else. */
function asApiError(body: unknown, response: Response): ApiError {
  if (body && typeof body === 'object' && typeof (body as ApiError).error === 'string' && typeof (body as ApiError).message === 'string') {
    return body as ApiError;
  }
  const text = typeof body === 'string' ? body.slice(0, 200) : '';
  return {
    error: 'client.unexpected_status',
    message: `HTTP ${response.status} ${response.statusText}${text ? `: ${text}` : ''}`.trim(),
    status: response.status,
  };
}

type RawOutcome = { data?: unknown; error?: unknown; response: Response };

export async function runCall<Op extends OperationId>(
  run: (signal: AbortSignal) => Promise<RawOutcome>,
  signal: AbortSignal | undefined,
  timeoutMs: number,
  documentedStatuses: readonly number[],
): Promise<ApiResult<Op>> {
  const limit = deadline(signal, timeoutMs);
  try {
    // openapi-fetch reads the body before resolving, so the timeout covers the whole exchange.
    const { data, error, response } = await run(limit.signal);
    if (response.ok) return { ok: true, status: response.status, data, response } as ApiResult<Op>;
    const failure = { ok: false as const, status: response.status, error: asApiError(error, response), response };
    return (documentedStatuses.includes(response.status) ? failure : { ...failure, undocumented: true as const }) as ApiResult<Op>;
  } catch (cause) {
    const reason = limit.reason();
    const failure =
      reason === 'aborted'
        ? clientError('client.aborted', 'The call was aborted.')
        : reason === 'timeout'
          ? clientError('client.timeout', `No answer within ${timeoutMs} ms.`)
          : cause instanceof SyntaxError
            ? clientError('client.invalid_response', `The response body is not JSON: ${cause.message}`, cause)
            : clientError('client.network', `The request failed: ${describe(cause)}`, cause);
    return { ok: false, status: 0, error: failure, response: undefined };
  } finally {
    limit.dispose();
  }
}
