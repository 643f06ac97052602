import type { StageSize } from '@bulwark/config';
import { UsageError } from '../exit-codes.js';

/**
 * `--stages 1,50%,100%`: one instance, then half of them, then all. Each stage counts the
 * instances reached so far, including earlier stages. Anything else is a usage error naming the
 * flag, before the registry is asked.
 */
export function parseStagesFlag(text: string): StageSize[] {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.length > 20 || parts.some((part) => part === '')) {
    throw new UsageError(
      `--stages takes 1 to 20 stages separated by commas, like 1,50%,100%, not ${JSON.stringify(text.slice(0, 64))}`,
    );
  }
  return parts.map((part) => {
    const share = /^(\d{1,3}(?:\.\d+)?)%$/.exec(part);
    if (share) {
      const percent = Number(share[1]);
      if (percent > 0 && percent <= 100) return { share: percent / 100 };
    } else if (/^\d{1,6}$/.test(part) && Number(part) >= 1) {
      return { count: Number(part) };
    }
    throw new UsageError(
      `--stages: ${JSON.stringify(part.slice(0, 32))} is neither a number of instances (1 or more) nor a share (more than 0% up to 100%)`,
    );
  });
}

/** The plan as the flag spells it, for output: `1, 50%, 100%`. */
export function formatStages(stages: readonly StageSize[]): string {
  return stages
    .map((stage) =>
      'count' in stage ? String(stage.count) : `${Math.round(stage.share * 1000) / 10}%`,
    )
    .join(', ');
}
