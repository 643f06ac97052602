import type { HttpClient, Logger } from '@bulwark/kit';
import { compilePolicy } from '../policy/compile.js';
import type {
  CompiledPolicy,
  EgressDestination,
  EgressVerdict,
  PolicyDocument,
} from '../policy/types.js';

interface PolicyView {
  readonly mode: string;
  readonly counter: number;
  readonly policyDigest: string;
  readonly policy: PolicyDocument;
}

const NOT_LOADED: EgressVerdict = {
  allow: false,
  reason: 'the egress policy has not been loaded from the tool gate yet',
};

/**
 * A service's local copy of the tool gate's active policy and mode, for the in-process egress
 * guard: a connect is checked synchronously against it, with no round trip. It polls GET
 * /v1/gate/policy; until the first answer every destination is denied, and when the gate
 * becomes unreachable the last known policy stays in force (fail closed on a new policy, never
 * open).
 */
export class PolicyMirror {
  readonly #http: HttpClient;
  readonly #url: URL;
  readonly #intervalMs: number;
  readonly #logger: Logger | undefined;
  #active: { mode: string; counter: number; policy: CompiledPolicy } | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    http: HttpClient,
    gateUrl: string | URL,
    options: { intervalMs?: number; logger?: Logger } = {},
  ) {
    this.#http = http;
    this.#url = new URL('/v1/gate/policy', gateUrl);
    this.#intervalMs = options.intervalMs ?? 1_000;
    this.#logger = options.logger;
  }

  /** The mode the copy is in, or undefined before the first load. */
  get mode(): string | undefined {
    return this.#active?.mode;
  }

  /** Whether the copy holds the mode, counter and policy a decision of the gate was made under. */
  matches(decision: {
    readonly mode: string;
    readonly counter: number;
    readonly policyDigest: string;
  }): boolean {
    const active = this.#active;
    return (
      active !== undefined &&
      active.mode === decision.mode &&
      active.counter === decision.counter &&
      active.policy.digest === decision.policyDigest
    );
  }

  egress(destination: EgressDestination): EgressVerdict {
    const active = this.#active;
    return active ? active.policy.egress(active.mode, destination) : NOT_LOADED;
  }

  /** Fetches the gate's policy once; resolves false when the gate did not answer. */
  async refresh(): Promise<boolean> {
    try {
      const response = await this.#http.request(this.#url, { timeoutMs: 2_000 });
      if (response.statusCode !== 200) {
        await response.text();
        return false;
      }
      const view = await response.json<PolicyView>();
      const current = this.#active;
      const policy =
        current?.policy.digest === view.policyDigest ? current.policy : compilePolicy(view.policy);
      this.#active = { mode: view.mode, counter: view.counter, policy };
      return true;
    } catch (error) {
      this.#logger?.warn({ err: error }, 'tool gate policy refresh failed; keeping the last one');
      return false;
    }
  }

  /** Polls until stop(); the first refresh is awaited so a caller can wait for a policy. */
  async start(): Promise<void> {
    await this.refresh();
    const tick = () => {
      this.#timer = setTimeout(() => {
        this.refresh().finally(() => {
          if (this.#timer !== undefined) tick();
        });
      }, this.#intervalMs);
      this.#timer.unref();
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
