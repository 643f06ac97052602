import type { Location } from '../model.js';
import { isObject, type PathSegment, type YamlObject } from '../yaml-tree.js';

/** One Kubernetes object from a manifest stream, with where it lives. */
export interface KubeObject {
  readonly kind: string;
  readonly apiVersion: string;
  readonly name: string;
  readonly namespace: string;
  readonly value: YamlObject;
  /** `Deployment/prod/core-api`; the unit findings are deduplicated on. */
  readonly resource: string;
  readonly file: string;
  /** Where the object starts; the location of last resort. */
  readonly at: Location;
  /** `items[3]` when the object came out of a List. */
  readonly pathPrefix: readonly PathSegment[];
  /**
   * What locations are looked up in: the object itself, or for an object rendered by Kustomize
   * the source object it came from, so findings point into the files people edit.
   */
  readonly locateIn?: unknown;
}

export function looksLikeKubernetes(value: unknown): value is YamlObject {
  return isObject(value) && typeof value.kind === 'string' && typeof value.apiVersion === 'string';
}

/** Expands `List` kinds (`kind: List`, `DeploymentList`, ...) into their items. */
export function kubeObjects(
  value: YamlObject,
  file: string,
  at: Location,
  defaultNamespace: string,
  pathPrefix: readonly PathSegment[] = [],
): KubeObject[] {
  const kind = String(value.kind);
  if (kind.endsWith('List') && Array.isArray(value.items)) {
    return value.items.flatMap((item, index) =>
      looksLikeKubernetes(item)
        ? kubeObjects(item, file, at, defaultNamespace, [...pathPrefix, 'items', index])
        : [],
    );
  }
  const metadata = isObject(value.metadata) ? value.metadata : {};
  const name = String(metadata.name ?? metadata.generateName ?? '(unnamed)');
  const namespace = String(metadata.namespace ?? defaultNamespace);
  return [
    {
      kind,
      apiVersion: String(value.apiVersion),
      name,
      namespace,
      value,
      resource: `${kind}/${namespace}/${name}`,
      file,
      at,
      pathPrefix,
    },
  ];
}
