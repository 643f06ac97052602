import { describe, expect, it } from 'vitest';
import { auditProject, ids, only } from './helpers.js';

const DIGEST = `sha256:${'ef'.repeat(32)}`;

describe('Dockerfile: the final image is judged, stage by stage', () => {
  it('no USER at all means root (hadolint passes this file)', () => {
    const report = auditProject({
      Dockerfile: `FROM node:20@${DIGEST} AS build\nRUN npm ci\nFROM node:20@${DIGEST}\nCOPY --from=build /app /app\nHEALTHCHECK CMD ["true"]\n`,
    });
    const [finding] = only(report, 'BW-USER-NONROOT');
    expect(finding?.message).toContain('no USER');
    expect(finding?.location).toMatchObject({ file: 'Dockerfile', line: 3, column: 1 });
  });

  it('a USER in the build stage does not carry over to a fresh final stage', () => {
    const report = auditProject({
      Dockerfile: `FROM node:20@${DIGEST} AS build\nUSER node\nFROM node:20@${DIGEST}\nHEALTHCHECK CMD ["true"]\n`,
    });
    expect(ids(report)).toContain('BW-USER-NONROOT');
  });

  it('a final stage built FROM an earlier stage inherits its USER and HEALTHCHECK', () => {
    const report = auditProject({
      Dockerfile: `FROM node:20@${DIGEST} AS base\nUSER 10001\nHEALTHCHECK CMD ["true"]\nFROM base\nCMD ["node"]\n`,
    });
    expect(ids(report)).not.toContain('BW-USER-NONROOT');
    expect(ids(report)).not.toContain('BW-HEALTHCHECK');
    expect(ids(report)).not.toContain('BW-IMAGE-DIGEST');
  });

  it('switching back to root last wins, and is located on that USER line', () => {
    const report = auditProject({
      Dockerfile: `FROM node:20@${DIGEST} AS a\nFROM node:20@${DIGEST}\nUSER 10001\nRUN echo\nUSER root\nHEALTHCHECK CMD ["true"]\n`,
    });
    expect(only(report, 'BW-USER-NONROOT')[0]?.location.line).toBe(5);
  });

  it('resolves FROM $ARG from the ARG default, and checks COPY --from an external image', () => {
    const report = auditProject({
      Dockerfile: `ARG BASE=node:20\nFROM \${BASE} AS a\nFROM node:20@${DIGEST}\nCOPY --from=busybox:1.36 /bin/sh /sh\nUSER 1\nHEALTHCHECK CMD ["true"]\n`,
    });
    const lines = only(report, 'BW-IMAGE-DIGEST').map((f) => f.location.line);
    expect(lines).toEqual([2]);
    expect(only(report, 'BW-IMAGE-DIGEST')[0]?.message).toContain('busybox:1.36');
  });

  it('ignores package caches left in build stages that never ship', () => {
    const report = auditProject({
      Dockerfile: `FROM debian:12@${DIGEST} AS build\nRUN apt-get update && apt-get install -y gcc\nFROM debian:12@${DIGEST}\nRUN apk add curl\nUSER 1\nHEALTHCHECK CMD ["true"]\n`,
    });
    expect(only(report, 'BW-DOCKERFILE-PKG-CACHE').map((f) => f.location.line)).toEqual([4]);
  });

  it('reports an unknown instruction as a located input error instead of crashing', () => {
    const report = auditProject({ Dockerfile: `FROM node:20@${DIGEST}\nFORM oops\n` });
    const [error] = only(report, 'BW-INPUT-MALFORMED');
    expect(error?.location).toMatchObject({ file: 'Dockerfile', line: 2 });
  });
});
