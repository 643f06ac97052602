import { Document, isMap, isSeq } from 'yaml';
import type { PolicyDocument } from '../policy/types.js';
import { renderedCidr } from './cidr.js';
import { wrapWords } from './comment-lines.js';
import { describeRule, modeEgressRules, type UnexpressibleRule } from './mode-egress.js';
import { ANY_PORT, egressRulePorts } from './rule-ports.js';

/** Where the cluster's DNS runs: both selectors must match (same entry of `to`). */
export interface DnsSelector {
  readonly namespaceSelector: Readonly<Record<string, string>>;
  readonly podSelector: Readonly<Record<string, string>>;
}

export interface NetworkPolicyOptions {
  /** Default `bulwark-egress-<mode>`. */
  readonly name?: string;
  readonly namespace?: string;
  /** Labels of the pods the policy isolates; default `{}`, every pod in the namespace. */
  readonly podSelector?: Readonly<Record<string, string>>;
  /** Cluster DNS, allowed on UDP and TCP 53; default kube-dns in kube-system; `false` for none. */
  readonly dnsSelector?: DnsSelector | false;
}

export interface RenderedNetworkPolicy {
  readonly yaml: string;
  /** Host-name rules: a NetworkPolicy cannot express them (so it denies them); the header says so. */
  readonly unexpressible: readonly UnexpressibleRule[];
}

export const KUBE_DNS: DnsSelector = {
  namespaceSelector: { 'kubernetes.io/metadata.name': 'kube-system' },
  podSelector: { 'k8s-app': 'kube-dns' },
};

const HOST_RULE_WHY =
  'a NetworkPolicy selects destinations by IP block, pod and namespace, never by DNS name, so ' +
  'this policy denies the host; allow it through an egress proxy (allowed here by cidr), ' +
  'Cilium toFQDNs, or a broader cidr rule that the in-process egress guard narrows to the name';

interface EgressEntry {
  readonly comment: string;
  readonly value: Record<string, unknown>;
}

/**
 * The egress of one mode as a Kubernetes NetworkPolicy: it selects the pods with policyTypes
 * [Egress], which denies all their egress by default, then allows cluster DNS (names must still
 * resolve for the in-process guard and the proxy to see them) and each cidr rule as an ipBlock
 * on its TCP ports. Host-name rules are left out and listed, in the result and at the top of the
 * YAML: the cluster's layer can only hold them with something that sees names.
 */
export function renderNetworkPolicy(
  document: PolicyDocument,
  mode: string,
  options: NetworkPolicyOptions = {},
): RenderedNetworkPolicy {
  const rules = modeEgressRules(document, mode);
  const entries: EgressEntry[] = [];
  const unexpressible: UnexpressibleRule[] = [];
  const dns = options.dnsSelector ?? KUBE_DNS;
  if (dns !== false) {
    entries.push({
      comment: ' cluster DNS, so names still resolve',
      value: {
        to: [
          {
            namespaceSelector: { matchLabels: { ...dns.namespaceSelector } },
            podSelector: { matchLabels: { ...dns.podSelector } },
          },
        ],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
    });
  }
  rules.forEach((rule, index) => {
    if (rule.cidr === undefined) {
      unexpressible.push({
        ...(rule.id === undefined ? {} : { ruleId: rule.id }),
        host: rule.host ?? '',
        why: HOST_RULE_WHY,
      });
      return;
    }
    const ports = egressRulePorts(rule);
    entries.push({
      comment: ` ${describeRule(rule, index)}`,
      value: {
        to: [{ ipBlock: { cidr: renderedCidr(rule.cidr).cidr } }],
        // A port-less TCP entry is every TCP port; leaving `ports` out would allow UDP too.
        ports:
          ports === ANY_PORT
            ? [{ protocol: 'TCP' }]
            : ports.map((port) => ({ protocol: 'TCP', port })),
      },
    });
  });

  const manifest = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: options.name ?? `bulwark-egress-${mode.toLowerCase().replaceAll('_', '-')}`,
      ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
      labels: { 'app.kubernetes.io/managed-by': 'bulwark' },
      annotations: {
        'bulwark.dev/gate': document.gate,
        'bulwark.dev/policy-version': String(document.version),
        'bulwark.dev/mode': mode,
      },
    },
    spec: {
      podSelector:
        options.podSelector && Object.keys(options.podSelector).length > 0
          ? { matchLabels: { ...options.podSelector } }
          : {},
      policyTypes: ['Egress'],
      // No entries: the pods may reach nothing (policyTypes alone denies).
      ...(entries.length > 0 ? { egress: entries.map((entry) => entry.value) } : {}),
    },
  };

  const yaml = new Document(manifest);
  yaml.commentBefore = header(document, mode, unexpressible);
  const egress = yaml.getIn(['spec', 'egress'], true);
  if (isSeq(egress)) {
    egress.items.forEach((item, index) => {
      if (isMap(item)) item.commentBefore = entries[index]!.comment;
    });
  }
  return { yaml: yaml.toString({ lineWidth: 0 }), unexpressible };
}

function header(
  document: PolicyDocument,
  mode: string,
  unexpressible: readonly UnexpressibleRule[],
): string {
  const lines = [
    ` Egress of mode ${mode}, policy ${document.gate} v${document.version}, rendered by Bulwark:`,
    ' every egress of the selected pods is denied except what is listed below.',
  ];
  if (unexpressible.length > 0) {
    lines.push(
      '',
      ' Host-name rules this policy cannot express:',
      ...unexpressible.map(
        (rule) => `   - ${rule.ruleId === undefined ? '' : `rule ${rule.ruleId}: `}${rule.host}`,
      ),
      ...wrapWords(`Why: ${HOST_RULE_WHY}.`, 96).map((line) => ` ${line}`),
    );
  }
  return lines.join('\n');
}
