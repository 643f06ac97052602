import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { firstSchemaError } from '@bulwark/kit';
import { type Static, Type } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import { GateStateError } from '../errors.js';

export const GATE_STATE_FORMAT = 'bulwark.gate-state/v1';
export const GATE_STATE_FILE = 'state.json';

const UsedNonceSchema = Type.Object(
  {
    nonce: Type.String({ minLength: 1 }),
    expiresAt: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

const GateStateSchema = Type.Object(
  {
    gate: Type.String({ minLength: 1 }),
    mode: Type.String({ minLength: 1 }),
    /** The counter of the last accepted transition; 0 before any. */
    counter: Type.Integer({ minimum: 0 }),
    /** ISO 8601: when the current mode was entered. */
    enteredAt: Type.String({ minLength: 1 }),
    policyVersion: Type.Integer({ minimum: 0 }),
    policyDigest: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    /** Base64 of the installed bundle document, exactly as it was installed (signatures kept). */
    bundle: Type.String({ minLength: 1 }),
    /** Nonces of accepted transitions that could still be inside their validity window. */
    nonces: Type.Array(UsedNonceSchema),
  },
  { additionalProperties: false },
);

const GateStateFileSchema = Type.Composite(
  [Type.Object({ format: Type.Literal(GATE_STATE_FORMAT) }), GateStateSchema],
  { additionalProperties: false },
);

export type UsedNonce = Static<typeof UsedNonceSchema>;
export type GateState = Static<typeof GateStateSchema>;

let compiled: ValidateFunction<Static<typeof GateStateFileSchema>> | undefined;

/**
 * Compiled on first use and kept: compiling when the module loaded cost every importer of
 * @bulwark/gate tens of milliseconds, though only a gate reading its state needs it.
 */
function stateFileValidator(): ValidateFunction<Static<typeof GateStateFileSchema>> {
  compiled ??= new Ajv({ allErrors: false, strict: true }).compile(GateStateFileSchema);
  return compiled;
}

/** Temp files are dot-files beside the state, so a crash leaves them where load() can sweep them. */
const TEMP_FILE = /^\.state\.json\.[0-9a-f]{16}\.tmp$/;

export function gateStatePath(stateDir: string): string {
  return join(stateDir, GATE_STATE_FILE);
}

/**
 * Reads `<stateDir>/state.json`: undefined when there is none yet, GateStateError naming the file
 * when it cannot be read or is not a whole, valid state. A corrupt state is never reset
 * silently: that would forget the transition counter and reopen every replay.
 */
export async function loadGateState(stateDir: string): Promise<GateState | undefined> {
  const path = gateStatePath(stateDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new GateStateError(`cannot read gate state ${path}: ${code ?? String(error)}.`, {
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new GateStateError(`gate state ${path} is corrupt: it is not valid JSON.`, {
      cause: error,
    });
  }
  const validate = stateFileValidator();
  if (!validate(value)) {
    throw new GateStateError(
      `gate state ${path} is corrupt: ${firstSchemaError(validate.errors)}.`,
    );
  }
  const { format: _format, ...state } = value;
  return state;
}

/**
 * Replaces the state atomically: a fresh temp file is written and fsynced, renamed over
 * state.json, and the directory fsynced so the rename itself is durable. A kill -9 (or power
 * loss) at any point leaves the old state or the new one, never a mix or a truncated file.
 */
export async function saveGateState(stateDir: string, state: GateState): Promise<void> {
  const path = gateStatePath(stateDir);
  const text = `${JSON.stringify({ format: GATE_STATE_FORMAT, ...state }, null, 2)}\n`;
  const temp = join(stateDir, `.${GATE_STATE_FILE}.${randomBytes(8).toString('hex')}.tmp`);
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    const directory = await open(stateDir, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    throw new GateStateError(`cannot write gate state ${path}: ${code ?? String(error)}.`, {
      cause: error,
    });
  }
}

/**
 * Drops nonces whose transition has expired (expiresAt + skew has passed): such a transition is
 * refused as expired, and its counter is at or below the gate's, so the nonce guards nothing.
 */
export function pruneNonces(
  nonces: readonly UsedNonce[],
  now: Date,
  clockSkewMs: number,
): UsedNonce[] {
  const cutoff = now.getTime() - clockSkewMs;
  return nonces.filter((entry) => !(Date.parse(entry.expiresAt) < cutoff));
}

/**
 * Removes temp files left by a process killed mid-save: never renamed, so never part of any
 * state. Only the gate's one writer calls it, before it writes, since a reader sweeping could
 * remove a save in flight.
 */
export async function sweepStaleTempFiles(stateDir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(stateDir);
  } catch {
    return;
  }
  await Promise.all(
    names
      .filter((name) => TEMP_FILE.test(name))
      .map((name) => unlink(join(stateDir, name)).catch(() => undefined)),
  );
}
