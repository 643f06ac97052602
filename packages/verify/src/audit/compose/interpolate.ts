import type { ScalarProvenance } from '../yaml-tree.js';

export type Environment = ReadonlyMap<string, string>;

export interface Interpolated {
  readonly value: string;
  readonly provenance: ScalarProvenance;
}

const STRONGER: Record<ScalarProvenance, number> = { literal: 0, env: 1, unset: 2 };

function stronger(a: ScalarProvenance, b: ScalarProvenance): ScalarProvenance {
  return STRONGER[a] >= STRONGER[b] ? a : b;
}

/**
 * Compose variable interpolation (`$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`, `$$`), nesting allowed in the
 * default. Written here because the compose-spec grammar is small and no maintained npm package
 * implements it, least of all one that reports where each value came from: the audit must tell a
 * password written in the file (or as a `:-` default) from one supplied at deploy time.
 */
export function interpolate(raw: string, env: Environment): Interpolated {
  if (!raw.includes('$')) return { value: raw, provenance: 'literal' };
  let value = '';
  let provenance: ScalarProvenance = 'literal';
  let i = 0;
  while (i < raw.length) {
    const char = raw[i];
    if (char !== '$') {
      value += char;
      i++;
      continue;
    }
    const next = raw[i + 1];
    if (next === '$') {
      value += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const end = matchingBrace(raw, i + 1);
      if (end < 0) {
        value += raw.slice(i);
        break;
      }
      const result = expandBraced(raw.slice(i + 2, end), env);
      value += result.value;
      provenance = stronger(provenance, result.provenance);
      i = end + 1;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(raw.slice(i + 1))?.[0];
    if (!name) {
      value += '$';
      i++;
      continue;
    }
    const found = env.get(name);
    value += found ?? '';
    provenance = stronger(provenance, found === undefined ? 'unset' : 'env');
    i += 1 + name.length;
  }
  return { value, provenance };
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function expandBraced(expression: string, env: Environment): Interpolated {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([\s\S]*))?$/.exec(expression);
  if (!match) return { value: '', provenance: 'unset' };
  const [, name = '', colon, operator, word = ''] = match;
  const found = env.get(name);
  const set = colon ? found !== undefined && found !== '' : found !== undefined;
  switch (operator) {
    case '-':
      return set ? { value: found as string, provenance: 'env' } : interpolate(word, env);
    case '?':
      // Required and unset: compose refuses to start, so the value is supplied at deploy time.
      return set
        ? { value: found as string, provenance: 'env' }
        : { value: '', provenance: 'unset' };
    case '+':
      return set ? interpolate(word, env) : { value: '', provenance: 'literal' };
    default:
      return found === undefined
        ? { value: '', provenance: 'unset' }
        : { value: found, provenance: 'env' };
  }
}
