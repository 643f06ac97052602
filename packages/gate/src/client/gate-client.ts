import { DependencyUnavailableError, type HttpClient } from '@bulwark/kit';
import type { Decision, DecisionInput } from '../decisions/types.js';

/**
 * What a service asks the tool gate (services/tool-gate) before running a tool action. It fails
 * closed: when the gate cannot be reached or answers anything but a decision, the caller gets
 * DependencyUnavailableError and the action does not run.
 */
export class ToolGateClient {
  readonly #http: HttpClient;
  readonly #decisionsUrl: URL;
  readonly #timeoutMs: number;

  constructor(http: HttpClient, gateUrl: string | URL, options: { timeoutMs?: number } = {}) {
    this.#http = http;
    this.#decisionsUrl = new URL('/v1/decisions', gateUrl);
    this.#timeoutMs = options.timeoutMs ?? 2_000;
  }

  async decide(input: DecisionInput): Promise<Decision> {
    let status: number;
    let body: string;
    try {
      const response = await this.#http.request(this.#decisionsUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input),
        timeoutMs: this.#timeoutMs,
      });
      status = response.statusCode;
      body = await response.text();
    } catch (cause) {
      throw new DependencyUnavailableError('the tool gate is unreachable', { cause });
    }
    if (status !== 200) {
      throw new DependencyUnavailableError(`the tool gate did not decide (HTTP ${status})`);
    }
    let decision: Decision;
    try {
      decision = JSON.parse(body) as Decision;
    } catch {
      throw new DependencyUnavailableError('the tool gate answered something other than JSON');
    }
    if (typeof decision?.allow !== 'boolean' || typeof decision.id !== 'string') {
      throw new DependencyUnavailableError(
        'the tool gate answered something other than a decision',
      );
    }
    return decision;
  }
}
