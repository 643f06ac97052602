/**
 * Why a criterion stayed manual, by its subject: "no check measures backups or restore drills
 * yet" tells the reader what is missing, where "unbound" would not. First match wins, so the
 * more specific subjects come first.
 */
const SUBJECTS: ReadonlyArray<[RegExp, string]> = [
  [/\b(openapi|swagger)\b/, 'OpenAPI documents'],
  [
    /\b(readiness helper|shared helper|refactor\w*|duplication|abstraction)\b/,
    'code structure (a person reviews it)',
  ],
  [/\b(gpu|cuda|canary)\b/, 'model serving or GPU paths'],
  [/\b(mode transitions?|tool-gate|pub|work mode)\b/, "the tool gate's mode transitions"],
  [/\b(ledger|hash chain|tamper\w*)\b/, 'the ledger beyond its verify endpoint'],
  [
    /\b(backups?|restore|rto|rpo|pitr|disaster|dr test|failover|snapshot jobs?)\b/,
    'backups and restore drills',
  ],
  [
    /\b(egress|network polic\w*|firewall|ports?|network_mode|service discovery|isolated)\b/,
    'network exposure or egress policy',
  ],
  [/\b(tls|https|mtls|certificates?|encrypt\w*)\b/, 'TLS, redirects or encryption'],
  [
    /\b(vuln\w*|trivy|cves?|security scan|scan report|secret scan|image scans?)\b/,
    'vulnerability or secret scans',
  ],
  [
    /\b(auth\w*|api keys?|jwt|401|credentials?|workload identity|unauthenticated)\b/,
    'authentication',
  ],
  [/\b(rate limit\w*|throttl\w*|429)\b/, 'rate limiting'],
  [
    /\b(helm|kubernetes|k8s|terraform|hpa|vpa|auto-?scal\w*|rolling updates?|zero-downtime|cluster|pods?|multi-node|multi-zone|multi-region|infra\w*)\b/,
    'cluster or infrastructure state',
  ],
  [
    /\b(ci|pipelines?|workflows?|builds?|commits?|pr|releases?|sign-?off|signoff|promot\w*|tags?|digest pinning|reproducible)\b/,
    'CI pipelines or release records',
  ],
  [/\b(secrets?|vault|kms|hsm|key rotation|keystore|private key)\b/, 'secret or key management'],
  [
    /\b(dashboards?|grafana|alerts?|alerting|on-call|slos?|error budget|mttd)\b/,
    'dashboards, alerts or SLOs',
  ],
  [
    /\b(docs?|documentation|documented|runbooks?|readme|guides?|document|playbook|checklist)\b/,
    'documents (a person judges them)',
  ],
  [/\b(logs?|logging|log records|json formatted|correlation ids?|redact\w*)\b/, 'log output'],
  [/\b(traces?|tracing|spans?|jaeger|opentelemetry)\b/, 'traces in a tracing backend'],
  [/\b(kafka|mqtt|messages?|queues?|event-driven|publish\w*)\b/, 'message traffic'],
  [
    /\b(healthchecks?|health checks?|depends_on|startup order)\b/,
    'container health checks or start-up order',
  ],
  [/\b(metrics?|prometheus|histogram|instrument\w*)\b/, 'metrics beyond the kit contract'],
  [
    /\b(load tests?|throughput|latency|p9\d|performance|benchmarks?|capacity|stress|soak|concurren\w*|uptime|availability)\b/,
    'load, latency or availability under traffic',
  ],
  [
    /\b(signal handlers?|sigterm|sigint|cancellation|shutdown|termination)\b/,
    'shutdown internals (drill.shutdown times the exit only)',
  ],
  [
    /\b(start(s|ed|up)?|start-up|race conditions?|polling|startup order|wait for)\b/,
    'start-up behaviour',
  ],
  [
    /\b(retr(y|ies)|circuits?|circuit breakers?|backoff|timeouts?|resilien\w*|bulkheads?|fault|degradation|recover\w*|survives?|restarts?)\b/,
    'behaviour under failures',
  ],
  [
    /\b(migrations?|schema|database|postgres\w*|sqlite|pgvector|pool\w*|read replicas?)\b/,
    'databases, schemas or migrations',
  ],
  [/\b(retention|compression|compaction)\b/, 'data retention or compaction jobs'],
  [/\b(cache|caching|redis)\b/, 'caching'],
  [/\b(tests?|coverage|pytest|e2e|locust|test suite)\b/, 'test suites (they run in CI)'],
  [
    /\b(dockerfiles?|docker images?|images?|alpine|multi-stage)\b/,
    'container images (their presence, size or build)',
  ],
  [
    /\b(review|approve|prioriti[sz]e|provision|start t-\d+|plan)\b/,
    'planning steps (a person decides them)',
  ],
  [/\b(config\w*|settings|feature flags?|env\w*)\b/, 'configuration'],
  [/\b(resources?|memory|cpu|oom|limits?)\b/, 'resource limits or usage'],
];

export function manualReason(lowerText: string): string {
  const subject = SUBJECTS.find(([pattern]) => pattern.test(lowerText))?.[1];
  return subject ? `no check measures ${subject} yet` : 'no check measures this yet';
}
