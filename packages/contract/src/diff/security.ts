import type { DiffContext, OperationPair } from './diff-context.js';
import { pointerTo } from './json-pointer.js';
import { asArray, asObject, asString, type JsonObject, objectEntries } from './json-values.js';

/** One security requirement object: the schemes a client must present together, with scopes. */
type Requirement = ReadonlyMap<string, ReadonlySet<string>>;

interface EffectiveSecurity {
  /** Alternatives: a client satisfying any one is let in. An empty requirement is anonymous. */
  readonly alternatives: readonly Requirement[];
  readonly pointer: string;
}

/** Effective security = operation.security ?? document.security; none means anonymous. */
function effectiveSecurity(
  document: JsonObject,
  operation: JsonObject,
  operationPointer: string,
): EffectiveSecurity {
  const own = Array.isArray(operation.security);
  const list = own ? operation.security : document.security;
  const alternatives = asArray(list).map((entry) => {
    const requirement = new Map<string, ReadonlySet<string>>();
    for (const [scheme, scopes] of Object.entries(asObject(entry) ?? {})) {
      requirement.set(
        scheme,
        new Set(asArray(scopes).filter((s): s is string => typeof s === 'string')),
      );
    }
    return requirement;
  });
  return {
    alternatives: alternatives.length > 0 ? alternatives : [new Map()],
    pointer: own
      ? pointerTo(operationPointer, 'security')
      : Array.isArray(document.security)
        ? '/security'
        : operationPointer,
  };
}

/** Whether a client holding the credentials of `held` satisfies `needed`. */
function satisfies(held: Requirement, needed: Requirement): boolean {
  for (const [scheme, scopes] of needed) {
    const heldScopes = held.get(scheme);
    if (heldScopes === undefined) return false;
    for (const scope of scopes) if (!heldScopes.has(scope)) return false;
  }
  return true;
}

function sameSchemes(a: Requirement, b: Requirement): boolean {
  return a.size === b.size && [...a.keys()].every((scheme) => b.has(scheme));
}

function equal(a: Requirement, b: Requirement): boolean {
  return satisfies(a, b) && satisfies(b, a);
}

function show(requirement: Requirement): string {
  if (requirement.size === 0) return 'anonymous';
  return [...requirement]
    .map(([scheme, scopes]) => (scopes.size > 0 ? `${scheme} [${[...scopes].join(', ')}]` : scheme))
    .join(' + ');
}

/**
 * Compares who may call an operation. Every old alternative must still let its clients in:
 * some new alternative must ask for no scheme and no scope the old one did not. When none does,
 * the same schemes with more scopes is security.scope.added, anything else
 * security.requirement.added. New alternatives that ask for less are the info classes.
 */
export function diffSecurity(context: DiffContext, pair: OperationPair): void {
  const { scope } = pair;
  const before = effectiveSecurity(context.oldDocument, pair.oldOperation, pair.oldPointer);
  const after = effectiveSecurity(context.newDocument, pair.newOperation, pair.newPointer);
  const reported = new Set<Requirement>();
  let broken = false;
  for (const held of before.alternatives) {
    if (after.alternatives.some((needed) => equal(held, needed))) continue;
    const easier = after.alternatives.find((needed) => satisfies(held, needed));
    if (easier !== undefined) {
      reported.add(easier);
      const fewerScopes = sameSchemes(held, easier);
      scope.emit(
        fewerScopes ? 'security.scope.removed' : 'security.requirement.removed',
        after.pointer,
        `security ${show(held)} → ${show(easier)}${fewerScopes ? ': fewer scopes required' : ': less required'}`,
      );
      continue;
    }
    const stricter = after.alternatives.find((needed) => sameSchemes(held, needed));
    if (stricter !== undefined) {
      reported.add(stricter);
      const added = [...stricter].flatMap(([scheme, scopes]) =>
        [...scopes].filter((s) => !held.get(scheme)?.has(s)).map((s) => `${scheme}:${s}`),
      );
      scope.emit(
        'security.scope.added',
        after.pointer,
        `security ${show(held)} → ${show(stricter)}: scope${added.length > 1 ? 's' : ''} ${added.join(', ')} now required`,
      );
      broken = true;
      continue;
    }
    const now = after.alternatives.map(show).join(' or ');
    const who = held.size === 0 ? 'anonymous clients are' : `clients with ${show(held)} are`;
    scope.emit(
      'security.requirement.added',
      after.pointer,
      `${who} no longer let in: now requires ${now}`,
    );
    broken = true;
  }
  // Alternatives that only add another way in; when clients were locked out, the message above
  // already lists every alternative.
  if (broken) return;
  for (const needed of after.alternatives) {
    if (reported.has(needed) || before.alternatives.some((held) => equal(held, needed))) continue;
    scope.emit(
      'security.requirement.removed',
      after.pointer,
      `security: ${show(needed)} also accepted`,
    );
  }
}

/** The fields of a security scheme a client's requests depend on. */
function schemeShape(scheme: JsonObject): string {
  const type = asString(scheme.type) ?? '';
  const flows = objectEntries(scheme.flows)
    .map(
      ([flow, settings]) =>
        `${flow}:${asString(settings.tokenUrl) ?? ''}:${asString(settings.authorizationUrl) ?? ''}`,
    )
    .sort()
    .join(',');
  return [
    type,
    asString(scheme.in) ?? '',
    type === 'apiKey' && scheme.in === 'header'
      ? (asString(scheme.name) ?? '').toLowerCase()
      : (asString(scheme.name) ?? ''),
    (asString(scheme.scheme) ?? '').toLowerCase(),
    asString(scheme.openIdConnectUrl) ?? '',
    flows,
  ].join('|');
}

function describeScheme(scheme: JsonObject): string {
  const type = asString(scheme.type) ?? 'unknown';
  if (type === 'apiKey') return `apiKey in ${asString(scheme.in)} \`${asString(scheme.name)}\``;
  if (type === 'http') return `http ${asString(scheme.scheme)}`;
  if (type === 'oauth2')
    return `oauth2 (${objectEntries(scheme.flows)
      .map(([flow]) => flow)
      .join(', ')})`;
  return type;
}

/**
 * Security schemes defined in both documents: a scheme whose type, location, header name, HTTP
 * scheme or flows changed no longer accepts what its clients send. Reported once, at the
 * scheme, not at every operation that uses it.
 */
export function diffSecuritySchemes(context: DiffContext): void {
  const before = objectEntries(asObject(context.oldDocument.components)?.securitySchemes);
  const after = new Map(objectEntries(asObject(context.newDocument.components)?.securitySchemes));
  for (const [name, scheme] of before) {
    const current = after.get(name);
    if (current === undefined || schemeShape(scheme) === schemeShape(current)) continue;
    context.scope.emit(
      'security.scheme.changed',
      pointerTo('/components/securitySchemes', name),
      `security scheme \`${name}\`: ${describeScheme(scheme)} → ${describeScheme(current)}`,
    );
  }
}
