import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, type SpawnedProcess, spawnTs } from '@bulwark/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { SIGNAL_REPEAT_WINDOW_MS, SignalRepeats } from '../src/lifecycle/signal-repeats.js';

const entry = join(import.meta.dirname, 'processes', 'test-service.ts');
let proc: SpawnedProcess | undefined;

afterEach(() => {
  proc?.kill('SIGKILL');
  proc = undefined;
});

async function startService(drainDelayMs: number) {
  const port = await freePort();
  proc = spawnTs(entry, {
    PORT: String(port),
    BULWARK_SHUTDOWN_DRAIN_DELAY_MS: String(drainDelayMs),
  });
  await proc.waitForLine((line) => line.includes('ready on http'));
  return proc;
}

const messages = (lines: string[]) =>
  lines.flatMap((line) => {
    try {
      return [String((JSON.parse(line) as { msg?: unknown }).msg)];
    } catch {
      return [];
    }
  });

describe('two SIGINTs in a real process', () => {
  it('a few ms apart (a launcher forwarding the keypress): finishes the graceful shutdown, exit 0', async () => {
    const proc = await startService(300);
    proc.kill('SIGINT');
    await sleep(5);
    proc.kill('SIGINT');
    expect(await proc.exited).toBe(0);
    const msgs = messages(proc.lines);
    expect(msgs).toContain('shutdown phase close-resources done');
    expect(msgs).toContain('shutdown complete');
    expect(msgs).not.toContain('second SIGINT; exiting without finishing shutdown');
    // Told apart, not lost by chance: either logged as a repeat or merged by the kernel.
    expect(msgs.filter((m) => m.startsWith('received SIGINT'))).toHaveLength(1);
  });

  it('far apart (a person pressing Ctrl-C again): exits 130 at once', async () => {
    const proc = await startService(20_000);
    proc.kill('SIGINT');
    await proc.waitForLine((line) => line.includes('received SIGINT'));
    await sleep(SIGNAL_REPEAT_WINDOW_MS * 3);
    proc.kill('SIGINT');
    expect(await proc.exited).toBe(130);
    const msgs = messages(proc.lines);
    expect(msgs).toContain('second SIGINT; exiting without finishing shutdown');
    expect(msgs).not.toContain('shutdown complete');
  });
});

describe('SignalRepeats', () => {
  it('ignores repeats inside the window and counts from the last counted signal', () => {
    const repeats = new SignalRepeats(500);
    expect(repeats.counts('SIGINT', 0)).toBe(true);
    expect(repeats.counts('SIGINT', 3)).toBe(false);
    // A person pressing every 300 ms: the press at 300 is ignored, the one at 600 counts (it is
    // 600 ms after the last counted one, not 300 after the ignored one); its copy does not.
    expect(repeats.counts('SIGINT', 300)).toBe(false);
    expect(repeats.counts('SIGINT', 600)).toBe(true);
    expect(repeats.counts('SIGINT', 604)).toBe(false);
    // Each signal has its own window.
    expect(repeats.counts('SIGTERM', 605)).toBe(true);
  });
});
