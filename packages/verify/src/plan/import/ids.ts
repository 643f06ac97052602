/**
 * Criterion ids: `<section>.<text>` slugs (`t-038-health-checks.graceful-shutdown-completes-30s`),
 * so the same markdown always gives the same ids and a person can tell from the id which item it
 * is. Section and text are cut to their first significant words; duplicates get `-2`, `-3`.
 */

const STOPWORDS = new Set(
  (
    'a an the and or of to in on for with within by at from as is are be been being its it this ' +
    'that these those via into per than then when where which who will shall should must can ' +
    'all any each every our their your we they there here so such'
  ).split(' '),
);

/** Headings that only say what kind of list follows: the heading above them names the section. */
const GENERIC_HEADING =
  /^(tasks?|action items?|acceptance( criteria)?|success criteria|success metrics?|next steps?|checklist|deliverables|scope|requirements?|objectives?|overview)$/i;

const SECTION_WORDS = 3;
const TEXT_WORDS = 6;
const MAX_PART = 56;

function words(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\(([^()]|\([^()]*\))*\)/g, ' ')
    .split(/[^a-z0-9-]+/)
    .map((word) => word.replace(/^-+|-+$/g, ''))
    .filter((word) => word !== '');
}

function slug(text: string, maxWords: number): string {
  const significant = words(text).filter((w) => !STOPWORDS.has(w));
  let out = '';
  for (const word of significant.slice(0, maxWords)) {
    const next = out ? `${out}-${word}` : word;
    if (next.length > MAX_PART) break;
    out = next;
  }
  return out;
}

/** `1) Security Hardening` → `Security Hardening`; `1.1 Fix ...` → `Fix ...`. Task ids (T-034) stay. */
function withoutOrdinal(heading: string): string {
  return heading.replace(/^\s*\d+(\.\d+)*[.)]?\s+/, '');
}

export function sectionSlug(headings: readonly string[]): string {
  const named = [...headings].reverse().find((h) => {
    const bare = withoutOrdinal(h)
      .replace(/\([^)]*\)/g, '')
      .replace(/:$/, '')
      .trim();
    return !GENERIC_HEADING.test(bare);
  });
  const chosen = named ?? headings.at(-1);
  return chosen ? slug(withoutOrdinal(chosen), SECTION_WORDS) : '';
}

export function criterionId(headings: readonly string[], text: string): string {
  const section = sectionSlug(headings);
  const body = slug(text, TEXT_WORDS) || 'item';
  return section ? `${section}.${body}` : body;
}

/** Hands out ids in order, suffixing repeats so each is unique. */
export class IdAllocator {
  readonly #taken = new Set<string>();

  allocate(base: string): string {
    let id = base;
    for (let n = 2; this.#taken.has(id); n++) id = `${base}-${n}`;
    this.#taken.add(id);
    return id;
  }
}
