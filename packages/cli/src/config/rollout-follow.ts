import type { RolloutStatus } from '@bulwark/config';
import type { Terminal } from '../output/terminal.js';
import type { RegistryClient } from './registry-client.js';
import { rolloutLine } from './rollout-view.js';

/** How often --wait asks the registry; a stage takes seconds at least (acks, then the bake). */
const POLL_MS = 500;

const finished = (status: RolloutStatus) =>
  status.state === 'completed' || status.state === 'reverted';

/**
 * Follows a rollout until it is completed or reverted, and returns its last status. In text mode
 * a line goes to stdout each time it moves (a stage, a phase, a revert), and the acknowledgement
 * count to the terminal's progress line. The rollout runs in the registry: stopping the wait
 * (Ctrl-C) stops only the watching.
 */
export async function followRollout(
  client: RegistryClient,
  started: RolloutStatus,
  terminal: Terminal,
  options: { readonly text: boolean; readonly pollMs?: number },
): Promise<RolloutStatus> {
  let status = started;
  let shown = '';
  const show = () => {
    const milestone = `${status.state}/${status.stage}/${status.phase}`;
    if (milestone !== shown && options.text) {
      terminal.progressDone();
      terminal.out(rolloutLine(status));
    }
    shown = milestone;
  };
  show();
  try {
    while (!finished(status)) {
      if (options.text) terminal.progress(rolloutLine(status));
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? POLL_MS));
      status = await client.rollout(status.id);
      show();
    }
  } finally {
    terminal.progressDone();
  }
  return status;
}

/**
 * What publish --rollout and revert do once the registry started a rollout: with --wait, follow
 * it to its end; without, say where it is and how to follow it (text mode). Returns its status.
 */
export async function followOrPoint(
  client: RegistryClient,
  started: RolloutStatus,
  terminal: Terminal,
  options: { readonly text: boolean; readonly wait: boolean },
): Promise<RolloutStatus> {
  if (options.wait) return followRollout(client, started, terminal, { text: options.text });
  if (options.text) {
    terminal.out(rolloutLine(started));
    terminal.out(`  follow it: bulwark config status --rollout ${started.id}`);
  }
  return started;
}
