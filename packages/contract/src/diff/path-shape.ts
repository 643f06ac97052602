/**
 * Paths are matched by shape: `/items/{id}` and `/items/{itemId}` are the same endpoint to a
 * client, whatever the server calls the variable.
 */
export function pathShape(path: string): string {
  return path.replace(/\{[^}/]*\}/g, '{}');
}

/** The template's variable names in order: `/a/{x}/b/{y}` → `['x', 'y']`. */
export function templateParameters(path: string): string[] {
  return [...path.matchAll(/\{([^}/]*)\}/g)].map((match) => match[1] ?? '');
}
