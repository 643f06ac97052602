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
  // "Error ids that support can find in the logs": the answer's id is checkable, the logs are
  // not. Error ids the answers carry, without the logs, are errors.sanitized's.
  if (/\berror ids?\b/.test(lower) && !ERRORS_SANITIZED.test(lower)) {
    return {
      nearMiss:
        'errors.problem-json checks that error answers carry an errorId; finding it in the logs needs a person',
    };
  }
  return undefined;
};

/** A plan's record of work done ('Commit: "security: sanitize error messages"'), not a claim. */
const COMMIT_ITEM = /^\s*commit:/;
const ERRORS_SANITIZED =
  /\bsanitiz\w* (error|exception)s?\b|\b(errors?|exceptions?) (are |is )?sanitiz\w*|\bgeneric error messages?\b|\berrors? (that )?carry (an )?error ids?\b/;

/**
 * "Sanitized errors", "generic error messages": errors.sanitized provokes a 404, a 400, a 401
 * (with auth on) and a 500, and requires problem details with an errorId and nothing of the
 * exception (stack, message, planted secret) in any of them. Finding the id in the logs is still
 * a person's job.
 */
const errorsSanitized: Rule = (_text, lower) => {
  if (COMMIT_ITEM.test(lower) || !ERRORS_SANITIZED.test(lower)) return undefined;
  if (/\b(logs?|support|correlat\w*)\b/.test(lower)) {
    return {
      nearMiss:
        'errors.sanitized checks what the answers carry; finding an error id in the logs needs a person',
    };
  }
  return {
    check: 'errors.sanitized',
    with: {},
    because:
      'sanitized errors: a provoked 404, 400, 401 and 500 answer problem+json with an errorId, with no stack trace, exception message or secret',
  };
};

/**
 * "401 for a missing or invalid key", "unauthenticated requests fail", "JWT algorithms
 * enforced": auth.enforced sends no credentials, a wrong API key, a forged bearer JWT and an
 * alg=none one, each of which must get a 401 with a challenge. It knows only the paths it is
 * given, so "all endpoints" is a near miss: nothing outside can list every route.
 */
const authEnforced: Rule = (_text, lower) => {
  if (COMMIT_ITEM.test(lower)) return undefined;
  const refused401 =
    /\b401\b/.test(lower) &&
    /\b(keys?|credentials?|tokens?|jwts?|auth\w*|unauthenticated|missing|invalid)\b/.test(lower);
  const unauthenticatedFail =
    /\bunauthenticated (requests?|calls?|access) (fail|are (rejected|refused|denied)|get 401)/.test(
      lower,
    ) || /\b(reject|refuse|deny)\w* unauthenticated\b/.test(lower);
  const jwtAlgorithms = /\bjwts?\b/.test(lower) && /\balgorithms?\b/.test(lower);
  const allEndpoints =
    /\b(all|every) (endpoints?|routes?|apis?|requests?) (require|need|must have) (authentication|auth|credentials)\b/.test(
      lower,
    );
  if (allEndpoints) {
    return {
      nearMiss:
        'auth.enforced checks the API paths it is given; that every endpoint needs credentials takes the route list (bind it with: {paths: [...]})',
    };
  }
  if (!refused401 && !unauthenticatedFail && !jwtAlgorithms) return undefined;
  if (/\b(mtls|workload identity|service jwts?|short-lived)\b/.test(lower)) {
    return {
      nearMiss:
        'it asks for workload identity (mTLS or service JWTs), which auth.enforced does not observe',
    };
  }
  return {
    check: 'auth.enforced',
    with: {},
    because: jwtAlgorithms
      ? 'JWT algorithms enforced: an unsigned alg=none JWT and a forged HS256 one are refused with 401, as are no and wrong credentials'
      : 'no credentials, a wrong API key and forged bearer tokens each get 401 problem+json with a WWW-Authenticate challenge',
  };
};

/** Things said with TLS that a server handshake does not show. */
const BEYOND_SERVER_TLS =
  /\bm-?tls\b|\bmutual tls\b|\bzero[- ]trust\b|\bsecrets?\b|\bat rest\b|\bservice-to-service\b|\brotat\w*/;

/**
 * "TLS everywhere", "TLS enabled on all external endpoints", "all endpoints use HTTPS":
 * tls.certificate runs on every service of the environment and skips a plain-http one (never a
 * pass), so it passes only when each serves TLS 1.2+ with a trusted, unexpired certificate.
 */
const tlsCertificate: Rule = (_text, lower) => {
  if (COMMIT_ITEM.test(lower)) return undefined;
  const claim =
    /\btls (everywhere|enabled|on (all|every))\b|\b(endpoints?|services?|apis?) (use|uses|served over|are served over) https\b|\bhttps (everywhere|only)\b|\btls ?1\.[23]\b|\bcertificates? (are )?(valid|not expired|unexpired)\b/.test(
      lower,
    );
  if (!claim) return undefined;
  if (BEYOND_SERVER_TLS.test(lower)) {
    return {
      nearMiss:
        'it asks for more than the TLS a server presents (mTLS, rotation, secrets or zero trust), which tls.certificate does not observe',
    };
  }
  return {
    check: 'tls.certificate',
    with: {},
    because:
      'TLS on every service: TLS 1.2 or newer, TLS 1.0/1.1 refused, a trusted certificate naming the host with 14 days or more to run',
  };
};

const PLAIN_URL = /\bhttp:\/\/[^\s)`'"\]]+/;
const SECURE_URL = /\bhttps:\/\/[^\s)`'"\]]+/;

/**
 * "HTTP requests redirect to HTTPS (http://localhost:8088 → https://localhost:8443)":
 * tls.redirect needs the plain-HTTP address, so it binds only when the text gives one.
 */
const tlsRedirect: Rule = (text, lower) => {
  if (COMMIT_ITEM.test(lower)) return undefined;
  if (
    !/\bhttp\b[^.]{0,40}\b(redirects?|redirected)\b[^.]{0,20}\bhttps\b|\bhttp ?(→|->|to) ?https redirect/.test(
      lower,
    )
  ) {
    return undefined;
  }
  const from = PLAIN_URL.exec(text)?.[0].replace(/[.,;]+$/, '');
  if (from === undefined) {
    return {
      nearMiss:
        'tls.redirect needs the plain-HTTP address that must redirect, and the text gives none (bind it with: {url: http://...})',
    };
  }
  const to = SECURE_URL.exec(text)?.[0].replace(/[.,;]+$/, '');
  return {
    check: 'tls.redirect',
    with: to === undefined ? { url: from } : { url: from, to },
    because: `${from} must answer a permanent redirect to ${to ?? 'https'} keeping path and query`,
  };
};

/**
 * "Rate limits answering 429": ratelimit.enforced bursts one path with the plan's credentials
 * until a 429 with Retry-After and problem details. One caller on one path: limits per user or
 * org, and their metrics, are near misses.
 */
const ratelimitEnforced: Rule = (_text, lower) => {
  if (COMMIT_ITEM.test(lower)) return undefined;
  if (!/\brate[- ]?limit\w*|\bthrottl\w*/.test(lower)) return undefined;
  if (!/\b429\b|\btoo many requests\b/.test(lower)) return undefined;
  if (/\bper[- ](user|org\w*|tenant|key|subject|api key)\b|\bmetrics?\b/.test(lower)) {
    return {
      nearMiss:
        "ratelimit.enforced sees one caller's limit on one path; limits per user or org, and their metrics, need more than that",
    };
  }
  return {
    check: 'ratelimit.enforced',
    with: {},
    because: 'rate limits answering 429: a burst gets a 429 with Retry-After in problem+json',
  };
};

const SECURITY_HEADER_WORDS =
  /\bsecurity headers?\b|\bhelmet\b|\bhsts\b|\bstrict-transport-security\b|\bcontent-security-policy\b|\bx-frame-options\b|\bx-content-type-options\b/;

/** "Security headers", or one of the headers headers.security requires, named. */
const headersSecurity: Rule = (_text, lower) => {
  if (COMMIT_ITEM.test(lower) || !SECURITY_HEADER_WORDS.test(lower)) return undefined;
  const other = /\b(permissions-policy|cors|access-control-\w+|cache-control)\b/.exec(lower)?.[0];
  if (other) {
    return { nearMiss: `headers.security does not check ${other}` };
  }
  return {
    check: 'headers.security',
    with: {},
    because:
      'security headers: nosniff, a CSP, a framing policy, Referrer-Policy and HSTS on https, and no X-Powered-By, on normal and error answers',
  };
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

/**
 * "Publish OpenAPI snapshots per service" (the served document matches the repository's
 * snapshot) and "OpenAPI specs for all endpoints" (a valid document is served). A CI artifact,
 * a contract test in CI or interactive docs are not something a running service shows.
 */
const openApiContract: Rule = (_text, lower) => {
  if (!/\bopenapi\b|\bswagger\b/.test(lower)) return undefined;
  if (/\b(ci|pipeline|artifacts?|interactive|ui)\b/.test(lower)) {
    return {
      nearMiss:
        'it asks for something CI or a browser shows (bulwark contract check --artifacts writes the documents CI keeps), not the running service',
    };
  }
  if (/\b(helm|readiness|liveness|probes?)\b/.test(lower)) {
    return {
      nearMiss:
        "the probes are the kit's operational contract (probe.contract checks them), which a service's OpenAPI document leaves out",
    };
  }
  if (/\bsnapshots?\b/.test(lower)) {
    return {
      check: 'openapi.snapshot',
      with: {},
      because: "the running service's /openapi.json matches its snapshot in the repository",
    };
  }
  if (!/\b(specs?|specifications?|documents?|docs|documentation|contracts?)\b/.test(lower)) {
    return undefined;
  }
  return {
    check: 'openapi.served',
    with: {},
    because: 'a valid OpenAPI document, generated from the routes, is served at /openapi.json',
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

/**
 * "GPU canary passes without regressions before full enablement": embeddings.canary reads the
 * embeddings service's canary (GPU vectors compared with the CPU endpoint's on live traffic) and
 * passes only when it is promotable. It compares outputs and counts failures; a GPU latency or
 * cost target is something it reports but does not judge.
 */
const embeddingsCanary: Rule = (_text, lower) => {
  if (!/\b(gpu|embeddings?) canary\b/.test(lower)) return undefined;
  if (!/\bpass(es|ed)?\b|\bpromot\w*|\bwithout regressions?\b|\bmatch\w*/.test(lower)) {
    return undefined;
  }
  if (/\b(latency|throughput|p9\d|cost|vram|utili[sz]ation)\b/.test(lower)) {
    return {
      nearMiss:
        'embeddings.canary judges GPU-vs-CPU embedding similarity and failures; GPU latency, throughput or cost need their own measure',
    };
  }
  return {
    check: 'embeddings.canary',
    with: {},
    because:
      "GPU canary: the embeddings service's canary is promotable, enough GPU-vs-CPU samples with mean cosine and failure rate within its thresholds (bind it to that service with services: [...])",
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
  errorsSanitized,
  authEnforced,
  tlsCertificate,
  tlsRedirect,
  ratelimitEnforced,
  headersSecurity,
  apiVersioned,
  openApiContract,
  ledgerVerify,
  embeddingsCanary,
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
