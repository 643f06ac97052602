/** What one look at an instance's health found. */
export interface HealthVerdict {
  readonly green: boolean;
  /** One line: `HTTP 503`, `timed out after 2000 ms`, `connection refused`. */
  readonly detail: string;
}

/**
 * Reads an instance's health at the URL its Presence gave. The engine calls it during every
 * bake; a test passes its own (an in-memory table of verdicts) instead of running servers.
 */
export type HealthCheck = (url: string) => Promise<HealthVerdict>;

/**
 * GET `url`; 200 is green, anything else (another status, no answer within `timeoutMs`, a
 * refused connection) is red. The body is read and dropped: only the status counts, as for a
 * load balancer.
 */
export function httpHealthCheck(options: { readonly timeoutMs?: number } = {}): HealthCheck {
  const timeoutMs = options.timeoutMs ?? 2_000;
  return async (url) => {
    try {
      const response = await fetch(url, {
        method: 'GET',
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual',
      });
      await response.arrayBuffer().catch(() => undefined);
      return response.status === 200
        ? { green: true, detail: 'HTTP 200' }
        : { green: false, detail: `HTTP ${response.status}` };
    } catch (error) {
      return { green: false, detail: failureOf(error, timeoutMs) };
    }
  };
}

function failureOf(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; cause?: { code?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') {
    return `no answer within ${timeoutMs} ms`;
  }
  const code = err.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  return code ?? 'unreachable';
}
