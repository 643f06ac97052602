/**
 * A registry's refusal as one line: the status, and the problem+json's code and detail when the
 * answer is one (never the body otherwise: an unknown server may echo anything).
 */
export function registryRefusal(status: number, text: string): string {
  let problem: { code?: unknown; detail?: unknown } | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) problem = parsed as typeof problem;
  } catch {
    problem = undefined;
  }
  const code = typeof problem?.code === 'string' ? ` ${problem.code}` : '';
  const detail = typeof problem?.detail === 'string' ? `: ${problem.detail}` : '';
  return `the registry answered ${status}${code}${detail}`;
}
