/**
 * Turns the bytes of a file (or stdin) into text the audit can parse, or says why it cannot. A
 * binary file would otherwise reach the YAML parser and come back as a finding quoting binary
 * garbage; a huge one would be read whole into memory first.
 */

/**
 * The largest input read. A Kubernetes object is at most 1.5 MiB (etcd's request limit) and a
 * compose file a few KiB; 16 MiB holds the rendered output of a large umbrella chart with its CRDs.
 */
export const MAX_INPUT_MIB = 16;
export const MAX_INPUT_BYTES = MAX_INPUT_MIB * 1_048_576;

/** How much of the start is checked for binary content, as `file(1)` and git do. */
const SNIFF_BYTES = 8192;

export type InputText =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: string };

export const TOO_LARGE = `larger than the audit's input limit of ${MAX_INPUT_MIB} MiB`;

/** Text when the bytes are UTF-8 text within the size limit; otherwise the one-line reason. */
export function decodeInput(bytes: Uint8Array): InputText {
  if (bytes.byteLength > MAX_INPUT_BYTES) return { ok: false, reason: TOO_LARGE };
  const head = bytes.subarray(0, SNIFF_BYTES);
  const nul = head.indexOf(0);
  if (nul >= 0) return { ok: false, reason: `not a text file (a NUL byte at offset ${nul})` };
  try {
    // `stream: true` accepts a multi-byte character cut off at the end of the sample.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch {
    return { ok: false, reason: 'not a text file (its first bytes are not UTF-8)' };
  }
  // Past the sample, a stray invalid byte becomes U+FFFD, as reading the file as UTF-8 always did.
  return { ok: true, text: new TextDecoder('utf-8').decode(bytes) };
}
