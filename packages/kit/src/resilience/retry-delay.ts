import { fullJitterGenerator, type IExponentialBackoffOptions } from 'cockatiel';

export interface RetryDelayConfig {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * The wait before retry number `retry` (0 for the first retry): "full jitter", a uniform draw
 * from [0, min(maxDelay, initialDelay × 2^retry)). Full jitter spreads the retries of callers
 * that failed together across the whole window, so they do not come back in step (AWS
 * Architecture Blog, "Exponential Backoff And Jitter"). cockatiel's own fullJitterGenerator
 * draws it; its ExponentialBackoff defaults to decorrelated jitter, which we do not want here.
 */
export function retryDelayMs(retry: number, config: RetryDelayConfig): number {
  const options: IExponentialBackoffOptions<number> = {
    generator: fullJitterGenerator,
    initialDelay: config.initialDelayMs,
    maxDelay: config.maxDelayMs,
    exponent: 2,
  };
  return fullJitterGenerator(retry, options)[0];
}

/**
 * A Retry-After header (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) in milliseconds from
 * `now`; undefined when absent or unreadable, so the backoff applies instead.
 */
export function retryAfterMs(
  header: string | string[] | undefined,
  now = Date.now(),
): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
