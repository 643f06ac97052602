import type { SetExitCode } from '../commands/index.js';
import { EXIT } from '../exit-codes.js';
import { createTerminal } from '../output/terminal.js';
import { checkDocumentFile } from './document-file.js';
import { parseSchemaOption, schemaEntry } from './schema-option.js';

export interface ValidateFlags {
  schema: string;
  format: 'text' | 'json';
}

/**
 * `bulwark config validate FILE --schema NAME[@N]`: the check the registry makes before it
 * stores a version, made here with no service. Exit 0 valid; a failing document is bad input:
 * one line naming the JSON pointer, exit 2 (as is an unknown schema version or a literal secret).
 */
export async function runValidate(
  file: string,
  flags: ValidateFlags,
  setExitCode: SetExitCode,
): Promise<void> {
  const entry = await schemaEntry(parseSchemaOption(flags.schema));
  const checked = await checkDocumentFile(entry, file);
  const terminal = createTerminal();
  if (flags.format === 'json') {
    terminal.out(JSON.stringify({ valid: true, ...checked }, null, 2));
  } else {
    terminal.out(`${terminal.color.green('valid')}  ${file} against ${entry.label}`);
  }
  setExitCode(EXIT.ok);
}
