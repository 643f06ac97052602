import { readFile, writeFile } from 'node:fs/promises';
import type { DecisionInput } from '@bulwark/gate';
import { durationMs } from '@bulwark/verify';
import type { Command } from 'commander';
import { EXIT, UsageError } from '../exit-codes.js';
import { formatOption } from '../main.js';
import { createTerminal } from '../output/terminal.js';
import { openSigningKey, type SigningKey } from '../trust/signing-key.js';
import type { SetExitCode } from './index.js';

/**
 * @bulwark/gate is loaded by the subcommands that use it, not when `bulwark gate` is parsed:
 * `bulwark gate --to staging` (the promotion gate) and every --help stay as quick as before.
 */
const loadToolGate = () => import('@bulwark/gate');

const GATE_URL_ENV = 'BULWARK_TOOL_GATE_URL';
const DEFAULT_GATE_URL = 'http://127.0.0.1:8083';
/** Where the key provider's audit lines go when the CLI signs for the tool gate. */
const SIGNATURE_LOG = '.bulwark/state/tool-gate-signatures.jsonl';

/** The gate's base URL; one that does not parse is bad usage, named, rather than "Invalid URL". */
function gateUrlOf(flags: { gateUrl?: string }): string {
  const url = flags.gateUrl ?? process.env[GATE_URL_ENV] ?? DEFAULT_GATE_URL;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    const from = flags.gateUrl === undefined ? `$${GATE_URL_ENV}` : '--gate-url';
    throw new UsageError(`${from} ${JSON.stringify(url)}: expected an http(s) URL`);
  }
  return url;
}

const gateUrlHelp = `the tool gate service (default $${GATE_URL_ENV} or ${DEFAULT_GATE_URL})`;

/**
 * `bulwark gate sign-bundle | request-transition | approve | apply | status | decide | render`:
 * the tool gate's operator commands. Signing goes through @bulwark/keys (the file keystore in
 * development, PKCS#11 or KMS in production), so a private key never passes through here.
 */
export function registerToolGateCommands(gate: Command, setExitCode: SetExitCode): void {
  gate
    .command('sign-bundle')
    .description(
      'sign a policy file into a bundle the tool gate installs (the policy is validated first)',
    )
    .argument('<policy>', 'the policy (YAML or JSON)')
    .option('--key <name...>', 'signing key name(s)', ['gate-policy'])
    .option('--out <file>', 'where to write the bundle (default <policy>.bundle.json)')
    .addHelpText(
      'after',
      '\nExample:\n  bulwark gate sign-bundle services/tool-gate/policy/reference.policy.yaml --key gate-policy\n' +
        '  bulwark gate apply services/tool-gate/policy/reference.policy.bundle.json\n' +
        '\nExit codes: 0 written, 2 an invalid policy or an unusable key.',
    )
    .action(async (policyFile: string, flags: { key: string[]; out?: string }) => {
      const { compilePolicy, parsePolicy, signBundle } = await loadToolGate();
      const bytes = await readInput(policyFile);
      // Validated before any key is opened: an invalid policy is reported as such (exit 2),
      // never as a key problem, and creates no development key as a side effect.
      await gateCall(() => compilePolicy(parsePolicy(bytes, policyFile)));
      const keys: SigningKey[] = [];
      try {
        // One at a time, so a key that fails to open leaves none of the others open.
        for (const name of flags.key) keys.push(await openSigningKey(name, SIGNATURE_LOG));
        const bundle = await gateCall(() =>
          signBundle(
            bytes,
            keys.map((k) => k.signer),
          ),
        );
        const out = flags.out ?? `${policyFile.replace(/\.(ya?ml|json)$/i, '')}.bundle.json`;
        await writeFile(out, `${JSON.stringify(bundle, null, 2)}\n`);
        createTerminal().out(
          `wrote ${out} (signed by ${keys.map((k) => k.signer.keyId).join(', ')})`,
        );
      } finally {
        await Promise.all(keys.map((k) => k.close()));
      }
    });

  gate
    .command('request-transition')
    .description('write an unsigned mode transition request for operators to approve')
    .requiredOption('--to <mode>', 'the target mode, e.g. WORK')
    .requiredOption('--reason <text>', 'why: recorded in the ledger with the transition')
    .requiredOption('--requester <name>', 'who asks')
    .option('--counter <n>', "the transition counter (default: the gate's current counter + 1)")
    .option('--gate <name>', 'the gate the request is for', 'tool-gate')
    .option('--ttl <duration>', 'how long the request stays valid, e.g. 15m, 1h', '15m')
    .option('--gate-url <url>', `${gateUrlHelp}, asked for the counter`)
    .requiredOption('--out <file>', 'where to write the request')
    .addHelpText(
      'after',
      '\nExample:\n  bulwark gate request-transition --to WORK --reason "incident 42" --requester alice --out to-work.json\n' +
        '  bulwark gate approve to-work.json --key gate-operator\n  bulwark gate apply to-work.json\n' +
        '\nExit codes: 0 written, 2 bad input or the gate unreachable (it is asked for the counter unless --counter is given).',
    )
    .action(
      async (flags: {
        to: string;
        reason: string;
        requester: string;
        counter?: string;
        gate: string;
        ttl: string;
        gateUrl?: string;
        out: string;
      }) => {
        // The flags are checked before the gate is asked: a typo is reported as a typo even
        // when the gate is down.
        const ttlMs = ttlOf(flags.ttl);
        const { createTransitionRequest } = await loadToolGate();
        const counter =
          flags.counter === undefined
            ? (await gateStatus(gateUrlOf(flags))).counter + 1
            : positiveInteger('--counter', flags.counter);
        const requestDocument = await gateCall(async () =>
          createTransitionRequest({
            gate: flags.gate,
            to: flags.to,
            reason: flags.reason,
            requester: flags.requester,
            counter,
            ttlMs,
          }),
        );
        await writeFile(flags.out, `${JSON.stringify(requestDocument, null, 2)}\n`);
        const { body } = requestDocument;
        createTerminal().out(
          `wrote ${flags.out}: ${body.gate} → ${body.to}, counter ${body.counter}, valid until ${body.expiresAt}`,
        );
      },
    );

  gate
    .command('approve')
    .description('add your signature to a transition request (in place)')
    .argument('<request>', 'the request file')
    .option('--key <name>', 'your operator key', 'gate-operator')
    .addHelpText(
      'after',
      '\nExample:\n  bulwark gate approve to-work.json --key gate-operator   # each operator, in turn\n' +
        '\nExit codes: 0 signed, 2 not a transition request, an unusable key, or a second vote by the same operator.',
    )
    .action(async (file: string, flags: { key: string }) => {
      const { approveTransition } = await loadToolGate();
      const document = parseJson(await readInput(file), file);
      const key = await openSigningKey(flags.key, SIGNATURE_LOG);
      try {
        const approved = await gateCall(() =>
          approveTransition(document as Parameters<typeof approveTransition>[0], key.signer),
        );
        await writeFile(file, `${JSON.stringify(approved, null, 2)}\n`);
        createTerminal().out(
          `${file}: approved by ${key.signer.keyId} (${approved.signatures.length} signature${approved.signatures.length === 1 ? '' : 's'})`,
        );
      } finally {
        await key.close();
      }
    });

  gate
    .command('apply')
    .description('send a signed transition request or policy bundle to the tool gate')
    .argument('<file>', 'a transition request or a policy bundle')
    .option('--gate-url <url>', gateUrlHelp)
    .addOption(formatOption())
    .addHelpText(
      'after',
      '\nExamples:\n  bulwark gate apply to-work.json\n' +
        '  bulwark gate apply policy.bundle.json --gate-url http://tool-gate:8083 --format json\n' +
        '\nExit codes: 0 applied, 1 rejected by the gate (the reason is printed and in the ledger), 2 bad input or the gate unreachable.',
    )
    .action(async (file: string, flags: { gateUrl?: string; format: 'table' | 'json' }) => {
      const document = parseJson(await readInput(file), file) as { format?: unknown };
      const isTransition = document.format === (await loadToolGate()).TRANSITION_FORMAT;
      const url = new URL(
        isTransition ? '/v1/gate/transitions' : '/v1/gate/policy',
        gateUrlOf(flags),
      );
      const { status, body } = await callGate(url, isTransition ? 'POST' : 'PUT', document);
      const terminal = createTerminal();
      if (status === 200) {
        if (flags.format === 'json') terminal.out(JSON.stringify(body, null, 2));
        else printStatus(body as GateStatusView, terminal.out);
        return;
      }
      const problem = body as { code?: string; detail?: string; title?: string };
      if (status === 422) {
        if (flags.format === 'json') terminal.out(JSON.stringify(body, null, 2));
        else terminal.out(`${terminal.color.red('REJECTED')}  ${problem.code}: ${problem.detail}`);
        setExitCode(EXIT.checksFailed);
        return;
      }
      throw new UsageError(
        `${url}: HTTP ${status}: ${problem.detail ?? problem.title ?? 'no detail'}`,
      );
    });

  gate
    .command('status')
    .description("the tool gate's mode, counter, policy version and expiry, and its outbox")
    .option('--gate-url <url>', gateUrlHelp)
    .addOption(formatOption())
    .addHelpText(
      'after',
      '\nExamples:\n  bulwark gate status\n  bulwark gate status --gate-url http://tool-gate:8083 --format json\n' +
        '\nExit codes: 0 shown, 2 the gate unreachable.',
    )
    .action(async (flags: { gateUrl?: string; format: 'table' | 'json' }) => {
      const status = await gateStatus(gateUrlOf(flags));
      const terminal = createTerminal();
      if (flags.format === 'json') terminal.out(JSON.stringify(status, null, 2));
      else printStatus(status, terminal.out);
    });

  gate
    .command('decide')
    .description('ask for a decision: from the tool gate, or offline from a policy file and a mode')
    .requiredOption('--tool <name>', 'the tool')
    .requiredOption('--action <name>', 'the action')
    .option('--subject <name>', 'who asks', 'cli')
    .option('--resource <text>', 'what the action touches')
    .option('--arg <name=value...>', 'an argument (repeatable); numbers and true/false are typed')
    .option('--policy <file>', 'decide offline from this policy instead of asking the gate')
    .option('--mode <mode>', 'the mode to decide in offline (default: the policy default mode)')
    .option('--gate-url <url>', gateUrlHelp)
    .addOption(formatOption())
    .addHelpText(
      'after',
      '\nExample:\n  bulwark gate decide --tool web --action fetch --resource https://example.com/x\n' +
        '  bulwark gate decide --policy services/tool-gate/policy/reference.policy.yaml --mode WORK --tool shell --action exec\n' +
        '\nExit codes: 0 allow, 1 deny (or approval required), 2 bad input or the gate unreachable.' +
        '\nOnline decisions are recorded in the ledger like any other; offline ones are not.',
    )
    .action(async (flags: DecideFlags) => {
      const input: DecisionInput = {
        tool: flags.tool,
        action: flags.action,
        subject: flags.subject,
        ...(flags.resource === undefined ? {} : { resource: flags.resource }),
        ...(flags.arg === undefined ? {} : { args: argsOf(flags.arg) }),
      };
      const decision = flags.policy
        ? await offlineDecision(flags.policy, flags.mode, input)
        : ((await callGate(new URL('/v1/decisions', gateUrlOf(flags)), 'POST', input, 200))
            .body as { allow: boolean; effect: string; reason: string; mode: string });
      const terminal = createTerminal();
      if (flags.format === 'json') terminal.out(JSON.stringify(decision, null, 2));
      else {
        const word = decision.allow
          ? terminal.color.green('ALLOW')
          : terminal.color.red(decision.effect.toUpperCase());
        terminal.out(
          `${word}  ${input.tool}.${input.action} in ${decision.mode}: ${decision.reason}`,
        );
      }
      setExitCode(decision.allow ? EXIT.ok : EXIT.checksFailed);
    });

  gate
    .command('render')
    .description(
      "render a mode's egress allow-list for Kubernetes (networkpolicy) or the host (nftables)",
    )
    .argument('<target>', 'networkpolicy or nftables')
    .requiredOption('--policy <file>', 'the policy (YAML, JSON, or a bundle)')
    .option('--mode <mode>', 'the mode whose egress to render (default: the policy default mode)')
    .option('--namespace <name>', 'networkpolicy: the namespace')
    .option('--name <name>', 'networkpolicy: the object name / nftables: the table name')
    .option(
      '--refresh',
      'nftables: only the commands that refill the host-name sets (pipe into nft -f -)',
    )
    .option('--out <file>', 'write here instead of stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  bulwark gate render networkpolicy --policy policy.yaml --mode WORK --namespace agents > egress.yaml\n' +
        '  bulwark gate render nftables --policy policy.yaml --mode PUB | sudo nft -f -\n' +
        '  bulwark gate render nftables --policy policy.yaml --mode PUB --refresh | sudo nft -f -   # from cron or a timer\n' +
        '\nExit codes: 0 rendered, 2 an invalid policy, an unknown mode or an unknown target.',
    )
    .action(async (target: string, flags: RenderFlags) => {
      if (target !== 'networkpolicy' && target !== 'nftables') {
        throw new UsageError(
          `render: unknown target ${JSON.stringify(target)}; use networkpolicy or nftables`,
        );
      }
      const {
        compilePolicy,
        parsePolicy,
        renderNetworkPolicy,
        renderNftables,
        renderNftablesRefresh,
      } = await loadToolGate();
      const policy = await gateCall(async () =>
        compilePolicy(parsePolicy(unwrapBundle(await readInput(flags.policy)), flags.policy)),
      );
      const mode = flags.mode ?? policy.document.defaultMode;
      if (!policy.hasMode(mode)) {
        throw new UsageError(
          `${flags.policy} has no mode ${mode}; its modes: ${policy.modes.join(', ')}`,
        );
      }
      const terminal = createTerminal();
      let text: string;
      if (target === 'networkpolicy') {
        const rendered = renderNetworkPolicy(policy.document, mode, {
          ...(flags.name ? { name: flags.name } : {}),
          ...(flags.namespace ? { namespace: flags.namespace } : {}),
        });
        text = rendered.yaml;
        for (const rule of rendered.unexpressible) {
          terminal.err(`not expressible in a NetworkPolicy: ${rule.host}: ${rule.why}`);
        }
      } else {
        const options = flags.name ? { table: flags.name } : {};
        text = flags.refresh
          ? (await renderNftablesRefresh(policy.document, mode, options)).script
          : (await renderNftables(policy.document, mode, options)).ruleset;
      }
      if (flags.out) {
        await writeFile(flags.out, text);
        terminal.err(`wrote ${flags.out}`);
      } else process.stdout.write(text);
    });
}

interface DecideFlags {
  tool: string;
  action: string;
  subject: string;
  resource?: string;
  arg?: string[];
  policy?: string;
  mode?: string;
  gateUrl?: string;
  format: 'table' | 'json';
}

interface RenderFlags {
  policy: string;
  mode?: string;
  namespace?: string;
  name?: string;
  refresh?: boolean;
  out?: string;
}

interface GateStatusView {
  gate: string;
  mode: string;
  counter: number;
  policyVersion: number;
  policyDigest: string;
  policyExpiresAt: string;
  expired: boolean;
  signed: boolean;
  signedBy: string[];
  outbox?: { depth: number; max_records: number; ledger_connected?: boolean };
}

function printStatus(status: GateStatusView, out: (line: string) => void): void {
  out(`gate:    ${status.gate}`);
  out(`mode:    ${status.mode} (counter ${status.counter})`);
  out(
    `policy:  version ${status.policyVersion}, ${status.expired ? 'EXPIRED' : 'expires'} ${status.policyExpiresAt}, ${status.signed ? `signed by ${status.signedBy.join(', ')}` : 'unsigned'}`,
  );
  out(`digest:  ${status.policyDigest}`);
  if (status.outbox) {
    const ledger =
      status.outbox.ledger_connected === undefined
        ? 'no ledger configured'
        : status.outbox.ledger_connected
          ? 'ledger connected'
          : 'ledger unreachable';
    out(
      `outbox:  ${status.outbox.depth} of ${status.outbox.max_records} records waiting (${ledger})`,
    );
  }
}

async function offlineDecision(file: string, mode: string | undefined, input: DecisionInput) {
  const { compilePolicy, parsePolicy } = await loadToolGate();
  const policy = await gateCall(async () =>
    compilePolicy(parsePolicy(unwrapBundle(await readInput(file)), file)),
  );
  const active = mode ?? policy.document.defaultMode;
  if (!policy.hasMode(active)) {
    throw new UsageError(`${file} has no mode ${active}; its modes: ${policy.modes.join(', ')}`);
  }
  return {
    ...policy.evaluate(active, input),
    mode: active,
    policyVersion: policy.document.version,
  };
}

/** A signed bundle's policy bytes (not verified: offline decisions and renders only read it). */
function unwrapBundle(bytes: Uint8Array): Uint8Array {
  try {
    const document = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
      format?: unknown;
      payload?: unknown;
    };
    if (document.format === 'bulwark.policy-bundle/v1' && typeof document.payload === 'string') {
      return Buffer.from(document.payload, 'base64');
    }
  } catch {
    // Not JSON: a YAML policy.
  }
  return bytes;
}

async function gateStatus(gateUrl: string): Promise<GateStatusView> {
  return (await callGate(new URL('/v1/gate', gateUrl), 'GET', undefined, 200))
    .body as GateStatusView;
}

/** One call to the tool gate service; unreachable, or an unexpected status when `expect` is set, is exit 2. */
async function callGate(
  url: URL,
  method: 'GET' | 'POST' | 'PUT',
  body: unknown,
  expect?: number,
): Promise<{ status: number; body: unknown }> {
  // undici is loaded by the first call, like @bulwark/gate above: `bulwark gate --to staging`
  // and every --help do without it.
  const { request } = await import('undici');
  let status: number;
  let text: string;
  try {
    const response = await request(url, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    status = response.statusCode;
    text = await response.body.text();
  } catch (error) {
    throw new UsageError(
      `cannot reach the tool gate at ${url.origin}: ${(error as Error).message}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`${url}: HTTP ${status} with a body that is not JSON`);
  }
  if (expect !== undefined && status !== expect) {
    const problem = parsed as { detail?: string };
    throw new UsageError(`${url}: HTTP ${status}: ${problem.detail ?? 'no detail'}`);
  }
  return { status, body: parsed };
}

async function readInput(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

function parseJson(bytes: Uint8Array, file: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new UsageError(`${file} is not JSON`);
  }
}

/** Bad policies, requests and bundles are the user's input: one line, exit 2. */
async function gateCall<T>(run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof (await loadToolGate()).GateError) throw new UsageError(error.message);
    throw error;
  }
}

function positiveInteger(flag: string, value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) {
    throw new UsageError(
      `${flag} must be a whole number of at least 1, not ${JSON.stringify(value)}`,
    );
  }
  return number;
}

function argsOf(pairs: readonly string[]): Record<string, string | number | boolean> {
  const args: Record<string, string | number | boolean> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`--arg ${JSON.stringify(pair)}: expected name=value`);
    const raw = pair.slice(at + 1);
    args[pair.slice(0, at)] =
      raw === 'true'
        ? true
        : raw === 'false'
          ? false
          : raw !== '' && Number.isFinite(Number(raw))
            ? Number(raw)
            : raw;
  }
  return args;
}

function ttlOf(text: string): number {
  try {
    const ms = durationMs(text);
    if (ms > 0) return ms;
  } catch {
    // Reported below, in the CLI's words.
  }
  throw new UsageError(`--ttl ${JSON.stringify(text)}: expected a duration such as 15m or 1h`);
}
