import { METRICS } from '@bulwark/kit/contract';
import type { CheckRegistry } from '../../checks/registry.js';
import { manualReason } from './manual-reasons.js';
import { singleTimeLimit } from './thresholds.js';

/**
 * From a criterion's words to the built-in checks that prove it, with thresholds from the text.
 *
 * Conservative by design: a binding is made only when the check passing means the criterion, as
 * worded, is met. A wrong binding turns a claim nobody checked into a green result; a manual
 * criterion stays visibly unproven until someone attests it. So each rule names the exact
 * phrases it accepts, and "near misses" (the right subject, but something the check does not
 * measure: Kafka messages instead of HTTP, a metric family only some services have, no time
 * limit for a drill) become manual criteria whose reason says what is missing.
 */

export interface Binding {
  readonly check: string;
  readonly with: Record<string, unknown>;
  /** One line: which words led to this check and what it will measure. */
  readonly because: string;
}

export type BindResult =
  | { readonly kind: 'bound'; readonly bindings: readonly Binding[] }
  | { readonly kind: 'manual'; readonly reason: string };

type RuleResult = Binding | { readonly nearMiss: string } | undefined;
type Rule = (text: string, lower: string) => RuleResult;

const PROBE_ENDPOINTS = ['/live', '/startup', '/ready', '/health'] as const;

function probeEndpoints(lower: string): string[] {
  return PROBE_ENDPOINTS.filter((endpoint) => new RegExp(`${endpoint}(?![a-z0-9_-])`).test(lower));
}

const PROBE_ENDPOINT_WORDS = /\b(health|readiness|liveness|startup)[ -](check )?endpoints?\b/;
const ABOUT_MANIFESTS =
  /\b(helm|chart|templates?|kubernetes|k8s|manifests?|readinessprobe|livenessprobe|probes? config)/;
const MORE_THAN = /\bnot (only|just)\b|\bbeyond\b|\bother than\b/;
const RESPONSE_BODY = /\{[^}]*\}/;

const probeLatency: Rule = (_text, lower) => {
  const endpoints = probeEndpoints(lower);
  if (endpoints.length === 0) return undefined;
  const limit = singleTimeLimit(lower);
  if (!limit) return undefined;
  return {
    check: 'probe.latency',
    with: { p95Ms: limit.ms, endpoints },
    because: `${endpoints.join(' and ')} "${limit.phrase}": p95 latency of each at most ${limit.ms} ms`,
  };
};

const probeContract: Rule = (text, lower) => {
  const endpoints = probeEndpoints(lower);
  if (endpoints.length === 0 && !PROBE_ENDPOINT_WORDS.test(lower)) return undefined;
  if (singleTimeLimit(lower)) return undefined; // probe.latency's
  if (MORE_THAN.test(lower)) {
    return { nearMiss: 'it asks for more than the probe endpoints answer' };
  }
  if (ABOUT_MANIFESTS.test(lower)) {
    return {
      nearMiss: 'it is about deployment manifests or charts, not what the endpoints answer',
    };
  }
  const body = RESPONSE_BODY.exec(text)?.[0];
  if (body) {
    return {
      nearMiss: `it names an exact response body (${body}), which probe.contract does not check`,
    };
  }
  const named = endpoints.length > 0 ? endpoints.join(', ') : 'the probe endpoints';
  return {
    check: 'probe.contract',
    with: {},
    because: `${named}: /live, /startup, /ready and /health answer per the kit contract, and /ready checks its dependencies`,
  };
};

const shutdownDrill: Rule = (_text, lower) => {
  if (!/\bshut ?down\b/.test(lower)) return undefined;
  if (/\b(metrics?|histogram|span|trace|log)\b/.test(lower)) return undefined;
  const limit = singleTimeLimit(lower);
  if (limit) {
    return {
      check: 'drill.shutdown',
      with: { maxMs: limit.ms },
      because: `shutdown "${limit.phrase}": SIGTERM each service and require it to exit within ${limit.ms} ms`,
    };
  }
  if (/\bgraceful shut ?down\b/.test(lower)) {
    return {
      nearMiss:
        'drill.shutdown needs a time limit and the text gives none (bind it with: {maxMs: ...})',
    };
  }
  return undefined;
};

/** Words that qualify "metrics" and the kit-contract families they mean. */
const METRIC_QUALIFIERS: ReadonlyArray<[RegExp, string]> = [
  [/^startup$/, METRICS.startupSeconds],
  [/^shutdown$/, METRICS.shutdownSeconds],
  [/^readiness$/, METRICS.readinessLastSuccess],
  [/^heartbeat$/, METRICS.workerHeartbeat],
];
const METRIC_FAMILY_NAME = /\b[a-z][a-z0-9_]*_(seconds|total|bytes|timestamp|count|ratio|info)\b/;

const metricsContract: Rule = (_text, lower) => {
  const family = METRIC_FAMILY_NAME.exec(lower)?.[0];
  const endpoint = /\/metrics\b|\bmetrics endpoints?\b/.test(lower);
  const exposed =
    /\b((?:[a-z/-]+(?:,| and| or)? ){0,3})metrics (?:are |is )?(?:exposed|exported|served)\b/.exec(
      lower,
    );
  if (family) {
    return {
      nearMiss: `it names metric family ${family}; bind metrics.contract with: {families: [${family}]} and the services that expose it`,
    };
  }
  if (!endpoint && !exposed) return undefined;
  const qualifiers = (exposed?.[1] ?? '')
    .split(/,|\band\b|\bor\b|\s+/)
    .map((w) => w.trim())
    .filter(
      (w) => w !== '' && !/^(all|the|any|every|service|services|its|their|prometheus)$/.test(w),
    );
  if (endpoint || qualifiers.length === 0) {
    return {
      check: 'metrics.contract',
      with: {},
      because: "/metrics serves the Prometheus text format with the kit contract's metric families",
    };
  }
  const families = qualifiers.map((q) => METRIC_QUALIFIERS.find(([p]) => p.test(q))?.[1]);
  if (families.some((f) => f === undefined)) {
    return {
      nearMiss: `"${qualifiers.join(' ')} metrics" are not among the kit contract's families; name them with: {families: [...]}`,
    };
  }
  return {
    check: 'metrics.contract',
    with: { families: families as string[] },
    because: `"${qualifiers.join(' and ')} metrics exposed": /metrics serves ${(families as string[]).join(', ')}`,
  };
};

const MESSAGING = /\b(kafka|messages?|queues?|mqtt|publish|consume|broker|event bus|topics?)\b/;

const tracePropagation: Rule = (_text, lower) => {
  if (
    !/\btraceparent\b|\btrace[- ]context\b|\btrace propagation\b|\bpropagat\w* (the )?trace/.test(
      lower,
    )
  ) {
    return undefined;
  }
  const medium = MESSAGING.exec(lower)?.[0];
  if (medium) {
    return {
      nearMiss: `trace.propagation checks HTTP requests; this asks for trace context in ${medium} traffic`,
    };
  }
  return {
    check: 'trace.propagation',
    with: {},
    because: 'traceparent: a request carrying a trace context is continued in the same trace',
  };
};

const errorsProblemJson: Rule = (_text, lower) => {
  const noStackTraces =
    /stack ?traces?/.test(lower) &&
    /\b(no|not|never|without|hidden|removed?)\b|\bonly in (the )?(server )?logs?\b/.test(lower);
  if (noStackTraces || /problem\+json|\brfc ?(7807|9457)\b/.test(lower)) {
    return {
      check: 'errors.problem-json',
      with: {},
      because: 'error answers must be application/problem+json with an errorId and no stack trace',
    };
  }
  if (/\berror ids?\b/.test(lower)) {
    return {
      nearMiss:
        'errors.problem-json checks that error answers carry an errorId; finding it in the logs needs a person',
    };
  }
  return undefined;
};

const apiVersioned: Rule = (_text, lower) => {
  const prefix = /(?:^|[\s(`'"])(\/v\d+)(?![a-z0-9])/.exec(lower)?.[1];
  const versioningWords = /\bapi versioning\b|\bversioned api\b|\bapi version prefix\b/.test(lower);
  if (!(prefix && /\bversion(ing|ed)?\b|\bapi\b|\bprefix\b/.test(lower)) && !versioningWords) {
    return undefined;
  }
  return {
    check: 'api.versioned',
    with: prefix ? { prefix } : {},
    because: `the API is served under ${prefix ?? '/v1'}`,
  };
};

const ledgerVerify: Rule = (_text, lower) => {
  if (!/\bledger\b/.test(lower) || !/\bverif(y|ies|ication)\b/.test(lower)) return undefined;
  if (!/\b(valid|chain|intact|passes|endpoint)\b/.test(lower)) return undefined;
  const soak = /\bafter (an? )?([0-9]+ ?[a-z]+ )?soak\b/.exec(lower);
  return {
    check: 'ledger.verify',
    with: {},
    because: `the ledger's /v1/ledger/verify answers valid${soak ? ` (run it ${soak[0]}: the check itself does not soak)` : ''}`,
  };
};

/**
 * "External egress attempts fail by policy": the tool gate's active mode denies destinations
 * outside its allow-list. Denial "at the network layer" is a near miss: the check asks the
 * gate's policy, not the kernel or the cluster (`bulwark gate render` writes those rules).
 */
const egressDenied: Rule = (_text, lower) => {
  if (!/\begress\b/.test(lower)) return undefined;
  if (!/\b(fails?|failing|den(y|ied|ial)|block(s|ed)?|refused)\b/.test(lower)) return undefined;
  if (/\b(network|firewall|nftables|iptables|kernel|cluster|layer)\b/.test(lower)) {
    return {
      nearMiss:
        "it asks for egress denial in the network itself, which the tool gate's check does not observe (bulwark gate render networkpolicy|nftables writes those rules)",
    };
  }
  return {
    check: 'gate.egress-denied',
    with: {},
    because:
      "egress that must fail by policy: the tool gate's active mode denies destinations outside its allow-list",
  };
};

/** "Signed mode transitions (PUB ↔ WORK)": the tool gate refuses a transition nobody signed. */
const signedTransitions: Rule = (_text, lower) => {
  if (!/\bmode (transitions?|changes?|switch(es)?)\b/.test(lower)) return undefined;
  if (!/\bsigned\b/.test(lower)) return undefined;
  return {
    check: 'gate.transitions-signed',
    with: {},
    because:
      '"signed mode transitions": the tool gate refuses a transition without operator signatures',
  };
};

const LEAST_PRIVILEGE = /\bleast[- ]privilege\b/;
const PRIVILEGE_CONTROLS = [
  /\bnon-?root\b|\brunasnonroot\b/,
  /\bcap-?drop\b|\bdrop(ping)? (all )?capabilit/,
  /\bread-?only\b/,
  /\bno-new-privileges\b/,
];

const auditSecurity: Rule = (_text, lower) => {
  const controls = PRIVILEGE_CONTROLS.filter((p) => p.test(lower)).length;
  if (!LEAST_PRIVILEGE.test(lower) && controls < 2) {
    if (controls === 1) {
      return {
        nearMiss:
          'it names one control; audit.controls judges the whole security profile (bind it with: {profile: security} if that is meant)',
      };
    }
    return undefined;
  }
  return {
    check: 'audit.controls',
    with: { profile: 'security' },
    because:
      "least privilege: bulwark audit's security controls (non-root, read-only root, capabilities dropped, no privilege escalation) on the environment's manifests",
  };
};

/** In order: probe.latency before probe.contract, so a latency criterion gets only the former. */
const RULES: readonly Rule[] = [
  probeLatency,
  probeContract,
  shutdownDrill,
  metricsContract,
  tracePropagation,
  errorsProblemJson,
  apiVersioned,
  ledgerVerify,
  egressDenied,
  signedTransitions,
  auditSecurity,
];

export function bindCriterion(text: string, registry: CheckRegistry): BindResult {
  const lower = text.toLowerCase();
  const bindings: Binding[] = [];
  const nearMisses: string[] = [];
  for (const rule of RULES) {
    const result = rule(text, lower);
    if (result === undefined) continue;
    if ('nearMiss' in result) {
      nearMisses.push(result.nearMiss);
    } else if (!registry.get(result.check)) {
      nearMisses.push(`it matches ${result.check}, which is not registered`);
    } else {
      bindings.push(result);
    }
  }
  // A near miss means part of the text is something no check measures: binding the rest would
  // let a pass claim the whole criterion.
  const [nearMiss] = nearMisses;
  if (nearMiss !== undefined) return { kind: 'manual', reason: nearMiss };
  if (bindings.length > 0) return { kind: 'bound', bindings };
  return { kind: 'manual', reason: manualReason(lower) };
}
