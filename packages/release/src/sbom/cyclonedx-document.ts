import { ReleaseError } from '../errors.js';

/** The parts of a CycloneDX JSON document the release reads. */
export interface CycloneDxDocument {
  readonly bomFormat: 'CycloneDX';
  readonly specVersion: string;
  readonly components: readonly CycloneDxComponent[];
}

export interface CycloneDxComponent {
  readonly name: string;
  readonly version?: string;
  readonly purl?: string;
  /** Packages nested under this one (node_modules inside node_modules). */
  readonly components?: readonly CycloneDxComponent[];
}

/**
 * Checks that `text` is a CycloneDX JSON SBOM that lists something: the generator validates its
 * output against the schema when it can, and this holds even when it could not (its schema
 * validator is an optional dependency). An empty component list means the lockfile was missed.
 */
export function parseCycloneDx(text: string, displayPath: string): CycloneDxDocument {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new ReleaseError('BW_RELEASE_SBOM', `${displayPath} is not JSON`);
  }
  const fields = (typeof document === 'object' && document !== null ? document : {}) as Record<
    string,
    unknown
  >;
  if (fields.bomFormat !== 'CycloneDX') {
    throw new ReleaseError('BW_RELEASE_SBOM', `${displayPath} is not a CycloneDX document`);
  }
  if (typeof fields.specVersion !== 'string' || !/^1\.\d+$/.test(fields.specVersion)) {
    throw new ReleaseError('BW_RELEASE_SBOM', `${displayPath} names no CycloneDX spec version`);
  }
  if (!Array.isArray(fields.components) || fields.components.length === 0) {
    throw new ReleaseError('BW_RELEASE_SBOM', `${displayPath} lists no components`);
  }
  return document as CycloneDxDocument;
}

/** Every component, nested ones included. */
export function allComponents(document: CycloneDxDocument): CycloneDxComponent[] {
  const found: CycloneDxComponent[] = [];
  const visit = (components: readonly CycloneDxComponent[] | undefined) => {
    for (const component of components ?? []) {
      found.push(component);
      visit(component.components);
    }
  };
  visit(document.components);
  return found;
}
