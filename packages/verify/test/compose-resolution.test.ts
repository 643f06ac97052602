import { describe, expect, it } from 'vitest';
import { auditProject, ids, only } from './helpers.js';

const DIGEST = `sha256:${'cd'.repeat(32)}`;
const HARDENED = `    read_only: true
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    restart: unless-stopped
    pids_limit: 128
    deploy: {resources: {limits: {cpus: "1", memory: 256M}}}
    healthcheck: {test: ["CMD", "true"]}`;

describe('compose: anchors, merges, interpolation, profiles and overrides are resolved first', () => {
  it('applies `<<` merges of anchors; explicit keys win and keep their own location', () => {
    const report = auditProject({
      'compose.yaml': `x-base: &base
  user: "10001"
  read_only: true
  cap_drop: [ALL]
  security_opt: ["no-new-privileges:true"]
  restart: unless-stopped
  pids_limit: 128
  deploy: {resources: {limits: {cpus: "1", memory: 256M}}}
  healthcheck: {test: ["CMD", "true"]}
services:
  api:
    <<: *base
    image: registry.example.com/api:1@${DIGEST}
  worker:
    <<: *base
    image: registry.example.com/worker:1@${DIGEST}
    read_only: false
`,
    });
    expect(ids(report, 'service/api')).toEqual([]);
    const [finding] = only(report, 'BW-READONLY-ROOTFS');
    expect(finding?.resource).toBe('service/worker');
    expect(finding?.location.line).toBe(17);
  });

  it('a merged-in bad value is located at the anchor that defines it', () => {
    const report = auditProject({
      'compose.yaml': `x-base: &base
  privileged: true
services:
  api:
    <<: *base
    image: nginx
`,
    });
    expect(only(report, 'BW-PRIVILEGED')[0]?.location.line).toBe(2);
  });

  it('interpolates VAR:-default from .env; a weak default is still a weak credential', () => {
    const files = {
      'compose.yaml': `services:
  db:
    image: postgres:16@${DIGEST}
    user: "70"
${HARDENED}
    environment:
      POSTGRES_PASSWORD: \${PG_PASSWORD:-postgres}
      POSTGRES_USER: \${PG_USER:-app}
`,
    };
    const weak = auditProject(files);
    const [credential] = only(weak, 'BW-CREDENTIALS-DEFAULT');
    expect(credential?.message).toContain('"postgres"');
    expect(credential?.location.line).toBe(13);
    // The default is written in the file, so it is a literal secret too.
    expect(ids(weak)).toContain('BW-SECRET-LITERAL');

    const fromEnv = auditProject({ ...files, '.env': 'PG_PASSWORD=kV9-q2Lr-88xZ\n' });
    expect(ids(fromEnv)).not.toContain('BW-CREDENTIALS-DEFAULT');
    expect(ids(fromEnv)).not.toContain('BW-SECRET-LITERAL');
  });

  it('VAR:?error marks a value supplied at deploy time: not a literal, not a crash', () => {
    const report = auditProject({
      'compose.yaml': `services:
  api:
    image: registry.example.com/api:1@${DIGEST}
    user: "10001"
${HARDENED}
    environment:
      API_TOKEN: \${API_TOKEN:?set API_TOKEN}
      OTHER_TOKEN: "tok-3f9a8b$$x"
`,
    });
    expect(only(report, 'BW-SECRET-LITERAL').map((f) => f.message)).toEqual([
      expect.stringContaining('OTHER_TOKEN'),
    ]);
  });

  it('interpolates image and port values, so a variable cannot hide a published database port', () => {
    const report = auditProject({
      '.env': 'DB_PORT=5432\nTAG=latest\n',
      'compose.yaml': `services:
  cache:
    image: redis:\${TAG}
    ports: ["\${DB_PORT}:6379", "127.0.0.1:6380:6379"]
`,
    });
    expect(only(report, 'BW-PORT-EXPOSED')).toHaveLength(1);
    expect(only(report, 'BW-PORT-EXPOSED')[0]?.message).toContain('Redis');
    expect(only(report, 'BW-IMAGE-LATEST')[0]?.message).toContain('redis:latest');
  });

  it('profiles: every service by default, only the active profiles when given (or COMPOSE_PROFILES in .env)', () => {
    const files = {
      'compose.yaml': `services:
  api:
    image: registry.example.com/api:1@${DIGEST}
  debug:
    image: busybox
    profiles: [debug]
    privileged: true
`,
    };
    expect(ids(auditProject(files))).toContain('BW-PRIVILEGED');
    expect(ids(auditProject(files, { composeProfiles: [] }))).not.toContain('BW-PRIVILEGED');
    expect(ids(auditProject(files, { composeProfiles: ['debug'] }))).toContain('BW-PRIVILEGED');
    expect(ids(auditProject({ ...files, '.env': 'COMPOSE_PROFILES=other\n' }))).not.toContain(
      'BW-PRIVILEGED',
    );
  });

  it('merges compose.override.yaml: its values win and findings point into the override file', () => {
    const report = auditProject({
      'compose.yaml': `services:
  api:
    image: registry.example.com/api:1@${DIGEST}
    user: "10001"
${HARDENED}
`,
      'compose.override.yaml': `services:
  api:
    user: root
    ports: ["5432:5432"]
    cap_drop: [NET_RAW]
`,
    });
    const user = only(report, 'BW-USER-NONROOT')[0];
    expect(user?.location).toMatchObject({ file: 'compose.override.yaml', line: 3 });
    expect(only(report, 'BW-PORT-EXPOSED')).toHaveLength(1);
    // Sequences are appended (ALL stays dropped), scalars overridden.
    expect(ids(report)).not.toContain('BW-CAPS-DROP-ALL');
    // The override is not audited a second time on its own.
    expect(report.inputs.find((i) => i.file === 'compose.override.yaml')?.objects).toBe(0);
  });

  it('resolves the user and health check of a locally built image from its Dockerfile', () => {
    const dockerfile = (user: string) => `FROM node:20@${DIGEST} AS build
RUN echo build
FROM node:20@${DIGEST}
${user}
HEALTHCHECK CMD ["node", "health.js"]
`;
    const compose = `services:
  api:
    build:
      context: ./api
      target: "\${TARGET:-}"
${HARDENED.replace(/\n {4}healthcheck.*$/, '')}
`;
    const rootImage = auditProject({ 'compose.yaml': compose, 'api/Dockerfile': dockerfile('') });
    const [finding] = only(rootImage, 'BW-USER-NONROOT').filter(
      (f) => f.resource === 'service/api',
    );
    expect(finding?.message).toContain('api/Dockerfile');
    expect(finding?.location.line).toBe(3);
    expect(only(rootImage, 'BW-HEALTHCHECK').filter((f) => f.resource === 'service/api')).toEqual(
      [],
    );

    const nonRoot = auditProject({
      'compose.yaml': compose,
      'api/Dockerfile': dockerfile('USER 10001'),
    });
    expect(ids(nonRoot, 'service/api')).toEqual([]);
  });

  it('list-form environment and short depends_on are normalised, with locations kept', () => {
    const report = auditProject({
      'compose.yaml': `services:
  api:
    image: registry.example.com/api:1@${DIGEST}
    environment:
      - MODE=prod
      - DB_PASSWORD=changeme
    depends_on: [db]
  db:
    image: postgres:16@${DIGEST}
`,
    });
    expect(only(report, 'BW-CREDENTIALS-DEFAULT')[0]?.location.line).toBe(6);
    expect(only(report, 'BW-DEPENDS-HEALTHY')[0]?.location.line).toBe(7);
  });
});
