/**
 * Every bundle string reaches the page through one of these two: criterion text comes from a
 * team's markdown, summaries and reasons from what a target answered. Hand-written because the
 * rules are short and fixed (the HTML spec's five characters; `<` inside a script element).
 */

/** Text and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON for a `<script type="application/json">` block, read back with JSON.parse. The element
 * ends at the first `</script`, and `<!--` changes how it is parsed, so no `<` (nor `>`, `&`)
 * may appear literally: JSON's \u escapes keep the value identical.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * An id attribute and fragment for a criterion. Plan ids are already restricted to
 * [A-Za-z0-9._-], but a bundle read from disk is not trusted to be, so anything else is dropped.
 */
export function anchorId(prefix: string, id: string, index: number): string {
  return `${prefix}-${index}-${id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80)}`;
}
