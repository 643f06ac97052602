/**
 * XML 1.0 text and attribute values, escaped by hand rather than built with xmlbuilder2. The
 * library would add a dependency and about 100 ms to loading this package (every `bulwark
 * contract` command), it silently drops characters XML cannot carry, and it writes newlines in
 * attributes raw, which a parser turns into spaces. Here it is five entities and a character
 * filter; @bulwark/verify's JUnit report uses this one too. Characters XML 1.0 forbids (C0 controls other than tab/LF/CR,
 * U+FFFE/U+FFFF, unpaired surrogates) become visible `\xNN`/`\uNNNN` text, so a parser never
 * rejects the file and a reader still sees something was there. Tab, LF and CR become character
 * references, which survive attribute-value normalisation.
 */
export function xmlEscape(text: string): string {
  return text.replace(
    /[&<>"'\t\n\r\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => {
      switch (c) {
        case '&':
          return '&amp;';
        case '<':
          return '&lt;';
        case '>':
          return '&gt;';
        case '"':
          return '&quot;';
        case "'":
          return '&apos;';
        case '\t':
          return '&#9;';
        case '\n':
          return '&#10;';
        case '\r':
          return '&#13;';
        default: {
          const code = c.charCodeAt(0);
          return code < 0x100
            ? `\\x${code.toString(16).padStart(2, '0')}`
            : `\\u${code.toString(16).padStart(4, '0')}`;
        }
      }
    },
  );
}
