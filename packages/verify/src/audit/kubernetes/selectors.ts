import { isObject } from '../yaml-tree.js';

export type Labels = Readonly<Record<string, string>>;

export function labelsOf(value: unknown): Labels {
  if (!isObject(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([key, label]) => [key, String(label)]));
}

/**
 * Kubernetes LabelSelector semantics: matchLabels AND every matchExpression. An empty selector
 * selects everything (NetworkPolicy podSelector, policy/v1 PDB); a missing one selects nothing.
 */
export function selectorMatches(selector: unknown, labels: Labels): boolean {
  if (!isObject(selector)) return false;
  const matchLabels = isObject(selector.matchLabels) ? selector.matchLabels : {};
  for (const [key, value] of Object.entries(matchLabels)) {
    if (labels[key] !== String(value)) return false;
  }
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  for (const expression of expressions) {
    if (!isObject(expression)) return false;
    const key = String(expression.key);
    const values = Array.isArray(expression.values) ? expression.values.map(String) : [];
    const present = Object.hasOwn(labels, key);
    switch (expression.operator) {
      case 'In':
        if (!present || !values.includes(labels[key] as string)) return false;
        break;
      case 'NotIn':
        if (present && values.includes(labels[key] as string)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
