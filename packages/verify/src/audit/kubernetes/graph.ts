import { isObject } from '../yaml-tree.js';
import type { KubeObject } from './objects.js';
import { selectorMatches } from './selectors.js';
import type { Workload } from './workloads.js';

/**
 * The relations between objects of one input set, which single-object linters cannot see:
 * the ServiceAccount a pod runs as, the NetworkPolicies and PodDisruptionBudgets that select it,
 * the HorizontalPodAutoscaler that sets its replica count.
 */
export class KubeGraph {
  /** Objects by `kind/namespace`: every relation here stays within one namespace. */
  private readonly index = new Map<string, KubeObject[]>();

  constructor(objects: readonly KubeObject[]) {
    for (const object of objects) {
      const key = `${object.kind}/${object.namespace}`;
      const list = this.index.get(key) ?? [];
      list.push(object);
      this.index.set(key, list);
    }
  }

  private kind(kind: string, namespace: string): readonly KubeObject[] {
    return this.index.get(`${kind}/${namespace}`) ?? [];
  }

  serviceAccount(namespace: string, name: string): KubeObject | undefined {
    return this.kind('ServiceAccount', namespace).find((object) => object.name === name);
  }

  /** NetworkPolicies in the workload's namespace whose podSelector selects its pods. */
  networkPolicies(workload: Workload): KubeObject[] {
    return this.kind('NetworkPolicy', workload.object.namespace).filter((policy) => {
      const spec = isObject(policy.value.spec) ? policy.value.spec : {};
      return selectorMatches(spec.podSelector ?? {}, workload.podLabels);
    });
  }

  disruptionBudgets(workload: Workload): KubeObject[] {
    return this.kind('PodDisruptionBudget', workload.object.namespace).filter((pdb) => {
      const spec = isObject(pdb.value.spec) ? pdb.value.spec : {};
      return selectorMatches(spec.selector, workload.podLabels);
    });
  }

  /** The replica count the workload runs at: its HPA's minReplicas when one targets it. */
  effectiveReplicas(workload: Workload): number {
    const hpa = this.kind('HorizontalPodAutoscaler', workload.object.namespace).find(
      (candidate) => {
        const spec = isObject(candidate.value.spec) ? candidate.value.spec : {};
        const target = isObject(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
        return target.kind === workload.object.kind && target.name === workload.object.name;
      },
    );
    if (hpa) {
      const spec = isObject(hpa.value.spec) ? hpa.value.spec : {};
      return typeof spec.minReplicas === 'number' ? spec.minReplicas : 1;
    }
    return workload.declaredReplicas;
  }
}

/**
 * Whether a NetworkPolicy isolates egress: it lists Egress in policyTypes (or, with no
 * policyTypes, has an egress section), and has no rule that allows everything (`- {}`).
 */
export function isolatesEgress(policy: KubeObject): boolean {
  const spec = isObject(policy.value.spec) ? policy.value.spec : {};
  const types = Array.isArray(spec.policyTypes) ? spec.policyTypes.map(String) : undefined;
  const egress = Array.isArray(spec.egress) ? spec.egress : undefined;
  const isolates = types ? types.includes('Egress') : egress !== undefined;
  if (!isolates) return false;
  const allowsAll = (egress ?? []).some(
    (rule) =>
      !isObject(rule) ||
      ((rule.to === undefined || (Array.isArray(rule.to) && rule.to.length === 0)) &&
        (rule.ports === undefined || (Array.isArray(rule.ports) && rule.ports.length === 0))),
  );
  return !allowsAll;
}
