import { Readable } from 'node:stream';
import { gitLines, gitStream } from './git-process.js';

/**
 * Every blob reachable from any ref, once, with the first path git saw it at. `rev-list
 * --objects` already deduplicates, and the type filter keeps commits' trees out of the output.
 */
export async function reachableBlobs(top: string): Promise<Map<string, string>> {
  const stream = gitStream(top, [
    '-c',
    'core.quotePath=false',
    'rev-list',
    '--objects',
    '--all',
    '--filter=object:type=blob',
  ]);
  stream.child.stdin.end();
  const blobs = new Map<string, string>();
  for await (const line of gitLines(stream)) {
    const space = line.indexOf(' ');
    // Commits are listed without a path; every blob has one.
    if (space > 0) blobs.set(line.slice(0, space), line.slice(space + 1));
  }
  await stream.finished;
  return blobs;
}

/** The sizes of `ids`, read from their headers in one `cat-file --batch-check` process. */
export async function blobSizes(top: string, ids: readonly string[]): Promise<Map<string, number>> {
  const stream = gitStream(top, ['cat-file', '--batch-check=%(objectname) %(objectsize)']);
  Readable.from(ids.map((id) => `${id}\n`)).pipe(stream.child.stdin);
  const sizes = new Map<string, number>();
  for await (const line of gitLines(stream)) {
    const [id, size] = line.split(' ');
    if (id && size && size !== 'missing') sizes.set(id, Number(size));
  }
  await stream.finished;
  return sizes;
}

/**
 * The contents of `ids`, streamed from one `cat-file --batch` process: each arrives as a header
 * line (`<id> <type> <size>`), the bytes, and a newline. The reader's pace holds git back, so
 * only one blob is in memory at a time.
 */
export async function* blobContents(
  top: string,
  ids: readonly string[],
): AsyncGenerator<{ id: string; content: Buffer }> {
  const stream = gitStream(top, ['cat-file', '--batch']);
  Readable.from(ids.map((id) => `${id}\n`)).pipe(stream.child.stdin);
  let buffered: Buffer[] = [];
  let bufferedBytes = 0;
  let header: { id: string; size: number } | undefined;
  let complete = false;
  const take = (bytes: number): Buffer => {
    const all = buffered.length === 1 ? buffered[0]! : Buffer.concat(buffered, bufferedBytes);
    const rest = all.subarray(bytes);
    buffered = rest.length > 0 ? [rest] : [];
    bufferedBytes = rest.length;
    return all.subarray(0, bytes);
  };
  try {
    for await (const chunk of stream.child.stdout as AsyncIterable<Buffer>) {
      buffered.push(chunk);
      bufferedBytes += chunk.length;
      for (;;) {
        if (header === undefined) {
          const newline = buffered.length > 0 ? indexOfNewline(buffered) : -1;
          if (newline < 0) break;
          const [id = '', type, size] = take(newline + 1)
            .toString('utf8')
            .trim()
            .split(' ');
          if (type === 'missing' || size === undefined) continue;
          header = { id, size: Number(size) };
        }
        // The content and the newline that ends it.
        if (bufferedBytes < header.size + 1) break;
        const content = Buffer.from(take(header.size + 1).subarray(0, header.size));
        const id = header.id;
        header = undefined;
        yield { id, content };
      }
    }
    complete = true;
  } finally {
    // The reader stopped early (or failed): git has nothing more to do.
    if (!complete) stream.stop();
  }
  await stream.finished;
}

function indexOfNewline(chunks: readonly Buffer[]): number {
  let offset = 0;
  for (const chunk of chunks) {
    const at = chunk.indexOf(10);
    if (at >= 0) return offset + at;
    offset += chunk.length;
  }
  return -1;
}

/**
 * For each of `ids`, the commit that introduced it and the path it was added at: one pass of
 * `git log --raw` over every ref, oldest first, stopped as soon as all are found. (`git log -1
 * --find-object` per blob would cost a history walk each, and its newest match is the commit that
 * deleted the blob, not the one that added it.)
 */
export async function introducingCommits(
  top: string,
  ids: ReadonlySet<string>,
): Promise<Map<string, { commit: string; path: string }>> {
  const found = new Map<string, { commit: string; path: string }>();
  if (ids.size === 0) return found;
  const stream = gitStream(top, [
    '-c',
    'core.quotePath=false',
    'log',
    '--all',
    '--reverse',
    '--format=%x01%H',
    '--raw',
    '--no-abbrev',
    '--no-renames',
  ]);
  stream.child.stdin.end();
  let commit = '';
  for await (const line of gitLines(stream)) {
    if (line.startsWith('\x01')) {
      commit = line.slice(1);
    } else if (line.startsWith(':')) {
      // `:<old mode> <new mode> <old id> <new id> <status>\t<path>`
      const tab = line.indexOf('\t');
      const id = line.slice(0, tab).split(' ')[3];
      if (id !== undefined && ids.has(id) && !found.has(id)) {
        found.set(id, { commit, path: line.slice(tab + 1) });
        if (found.size === ids.size) {
          stream.stop();
          break;
        }
      }
    }
  }
  await stream.finished;
  return found;
}
