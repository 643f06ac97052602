/**
 * Text as a person meant it. Plans pass through editors and chat tools that decode UTF-8 bytes as
 * Mac Roman, so `✅` arrives as `‚úÖ` and `→` as `‚Üí` (the AI-stack plan is written that way
 * throughout). Such a run is re-encoded to the bytes it came from and decoded as UTF-8; a run that
 * does not come back as valid UTF-8 was real text (`Müller`) and is left alone. The Mac Roman
 * table is the WHATWG one built into Node's TextDecoder, not a hand-typed copy.
 */

let macRomanBytes: Map<string, number> | undefined;

function macRomanTable(): Map<string, number> {
  if (!macRomanBytes) {
    const decoder = new TextDecoder('macintosh');
    macRomanBytes = new Map();
    for (let byte = 0x80; byte <= 0xff; byte++) {
      macRomanBytes.set(decoder.decode(Uint8Array.of(byte)), byte);
    }
  }
  return macRomanBytes;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Runs of two or more non-ASCII characters: one mis-decoded character is 2 to 4 of them. */
const NON_ASCII_RUN = /[^\x00-\x7f]{2,}/g;

export function repairMojibake(text: string): string {
  const table = macRomanTable();
  return text.replace(NON_ASCII_RUN, (run) => {
    const bytes: number[] = [];
    for (const char of run) {
      const byte = table.get(char);
      if (byte === undefined) return run;
      bytes.push(byte);
    }
    try {
      return utf8.decode(Uint8Array.from(bytes));
    } catch {
      return run;
    }
  });
}

const PICTOGRAPH = /\p{Extended_Pictographic}|\u{FE0F}|\u{200D}/gu;

/** Without emoji and with single spaces: headings like `🎯 Overview` become `Overview`. */
export function withoutPictographs(text: string): string {
  return text.replace(PICTOGRAPH, ' ').replace(/\s+/g, ' ').trim();
}
