import { isObject, type PathSegment, type YamlObject } from '../yaml-tree.js';
import type { KubeObject } from './objects.js';
import { type Labels, labelsOf } from './selectors.js';

/** Where each workload kind keeps its pod template. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** Kinds whose replica count is set by `spec.replicas` (default 1) and that a PDB protects. */
const REPLICATED = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);

export type ContainerGroup = 'containers' | 'initContainers' | 'ephemeralContainers';

export interface ContainerRef {
  readonly group: ContainerGroup;
  readonly index: number;
  readonly name: string;
  readonly spec: YamlObject;
  readonly path: readonly PathSegment[];
  /** An init container with restartPolicy: Always is a native sidecar: it runs for the pod's life. */
  readonly longRunning: boolean;
}

export interface Workload {
  readonly object: KubeObject;
  readonly podSpec: YamlObject;
  readonly podSpecPath: readonly PathSegment[];
  readonly podLabels: Labels;
  readonly containers: readonly ContainerRef[];
  /** Serves until stopped (Deployment, Pod with restartPolicy Always, ...), as opposed to a Job. */
  readonly longRunning: boolean;
  readonly replicated: boolean;
  readonly declaredReplicas: number;
}

function at(root: unknown, path: readonly PathSegment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PathSegment, unknown>)[segment];
  }
  return current;
}

export function asWorkload(object: KubeObject): Workload | undefined {
  const podSpecPath = POD_SPEC_PATHS[object.kind];
  if (!podSpecPath) return undefined;
  const podSpec = at(object.value, podSpecPath);
  if (!isObject(podSpec)) return undefined;
  const templatePath = podSpecPath.slice(0, -1);
  const podLabels = labelsOf(at(object.value, [...templatePath, 'metadata', 'labels']));
  const containers: ContainerRef[] = [];
  for (const group of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    const list = podSpec[group];
    if (!Array.isArray(list)) continue;
    list.forEach((spec, index) => {
      if (!isObject(spec)) return;
      containers.push({
        group,
        index,
        name: String(spec.name ?? `${group}[${index}]`),
        spec,
        path: [...podSpecPath, group, index],
        longRunning:
          group === 'containers' || (group === 'initContainers' && spec.restartPolicy === 'Always'),
      });
    });
  }
  const restartPolicy = podSpec.restartPolicy ?? 'Always';
  const isJob = object.kind === 'Job' || object.kind === 'CronJob';
  const replicas = at(object.value, ['spec', 'replicas']);
  return {
    object,
    podSpec,
    podSpecPath,
    podLabels,
    containers,
    longRunning: !isJob && restartPolicy === 'Always',
    replicated: REPLICATED.has(object.kind),
    declaredReplicas: typeof replicas === 'number' ? replicas : 1,
  };
}
