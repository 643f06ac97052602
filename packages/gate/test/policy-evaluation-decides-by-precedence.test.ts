import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compilePolicy } from '../src/policy/compile.js';
import { loadPolicyFile } from '../src/policy/load.js';
import type { CompiledPolicy, PolicyRule } from '../src/policy/types.js';
import { FIXTURES, policyWith } from './fixtures/policy-documents.js';

const work = (rules: PolicyRule[]) => compilePolicy(policyWith({ WORK: { rules } }));
const ask = (tool: string, action: string, extra: Record<string, unknown> = {}) => ({
  tool,
  action,
  subject: 'user:alice',
  ...extra,
});

describe('tool rules: deny by default, deny over approval over allow', () => {
  it('no matching rule denies, naming the tool, action and mode', () => {
    const policy = work([{ id: 'read', tool: 'items', action: 'read', effect: 'allow' }]);
    expect(policy.evaluate('WORK', ask('items', 'write'))).toEqual({
      effect: 'deny',
      allow: false,
      reason: 'no rule allows tool "items" action "write" in mode WORK',
    });
    expect(policy.evaluate('PUB', ask('items', 'read')).allow).toBe(false);
    expect(policy.evaluate('WORK', ask('items', 'read'))).toEqual({
      effect: 'allow',
      allow: true,
      ruleId: 'read',
      reason: 'allowed by rule read',
    });
  });

  it('deny overrides allow, whatever the order and however specific', () => {
    const policy = work([
      { id: 'allow-exact', tool: 'shell.exec', action: 'run', effect: 'allow' },
      { id: 'deny-all', tool: '*', action: '*', effect: 'deny', reason: 'frozen' },
    ]);
    expect(policy.evaluate('WORK', ask('shell.exec', 'run'))).toEqual({
      effect: 'deny',
      allow: false,
      ruleId: 'deny-all',
      reason: 'denied by rule deny-all: frozen',
    });
  });

  it('approval beats allow and loses to deny', () => {
    const rules: PolicyRule[] = [
      { id: 'allow', tool: 'shell.exec', action: '*', effect: 'allow' },
      { id: 'ask', tool: 'shell.exec', action: 'run', effect: 'approval', reason: 'a human looks' },
      {
        id: 'no-rm',
        tool: '*',
        action: 'run',
        effect: 'deny',
        when: { args: { cmd: { prefix: 'rm ' } } },
      },
    ];
    const policy = work(rules);
    expect(policy.evaluate('WORK', ask('shell.exec', 'run', { args: { cmd: 'ls' } }))).toEqual({
      effect: 'approval',
      allow: false,
      ruleId: 'ask',
      reason: 'approval required by rule ask: a human looks',
    });
    expect(
      policy.evaluate('WORK', ask('shell.exec', 'run', { args: { cmd: 'rm -rf /' } })).ruleId,
    ).toBe('no-rm');
    expect(policy.evaluate('WORK', ask('shell.exec', 'list')).ruleId).toBe('allow');
  });

  it('among rules of one effect, the first in the file decides', () => {
    const policy = work([
      { id: 'second-kind', tool: '*', action: 'read', effect: 'allow' },
      { id: 'exact', tool: 'items', action: 'read', effect: 'allow' },
      { id: 'tool-any', tool: 'items', action: '*', effect: 'allow' },
    ]);
    expect(policy.evaluate('WORK', ask('items', 'read')).ruleId).toBe('second-kind');
  });

  it('wildcards: tool *, action *, and both', () => {
    const policy = work([
      { id: 'any-tool-read', tool: '*', action: 'read', effect: 'allow' },
      { id: 'items-any', tool: 'items', action: '*', effect: 'allow' },
      { id: 'ping', tool: '*', action: '*', effect: 'allow', when: { subject: ['svc:health'] } },
    ]);
    expect(policy.evaluate('WORK', ask('docs', 'read')).ruleId).toBe('any-tool-read');
    expect(policy.evaluate('WORK', ask('items', 'delete')).ruleId).toBe('items-any');
    expect(policy.evaluate('WORK', ask('docs', 'write')).allow).toBe(false);
    expect(policy.evaluate('WORK', { tool: 'x', action: 'y', subject: 'svc:health' }).ruleId).toBe(
      'ping',
    );
    // `*` in a rule is a wildcard; in a request it is just a name.
    expect(policy.evaluate('WORK', ask('*', 'write')).allow).toBe(false);
  });

  it('an unknown mode denies everything', () => {
    const policy = work([{ id: 'all', tool: '*', action: '*', effect: 'allow' }]);
    expect(policy.hasMode('ADMIN')).toBe(false);
    expect(policy.evaluate('ADMIN', ask('items', 'read'))).toEqual({
      effect: 'deny',
      allow: false,
      reason: 'unknown mode "ADMIN": the policy has no such mode, so nothing is allowed',
    });
    expect(policy.evaluate('work', ask('items', 'read')).allow).toBe(false);
  });

  it('a decided call returns the same frozen verdict every time', () => {
    const policy = work([{ id: 'read', tool: 'items', action: 'read', effect: 'allow' }]);
    const first = policy.evaluate('WORK', ask('items', 'read'));
    expect(policy.evaluate('WORK', ask('items', 'read', { subject: 'svc:other' }))).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });
});

describe('conditions', () => {
  it('subject: exact values and prefixes', () => {
    const policy = work([
      {
        id: 's',
        tool: 'db',
        action: 'q',
        effect: 'allow',
        when: { subject: ['svc:*', 'user:root'] },
      },
    ]);
    const as = (subject: string) =>
      policy.evaluate('WORK', { tool: 'db', action: 'q', subject }).allow;
    expect(as('svc:billing')).toBe(true);
    expect(as('svc:')).toBe(true);
    expect(as('user:root')).toBe(true);
    expect(as('user:rootkit')).toBe(false);
    expect(as('svc')).toBe(false);
  });

  it('resource: a rule with a resource condition never matches a call without one', () => {
    const policy = work([
      { id: 'fetch', tool: 'web', action: 'get', effect: 'allow', when: { resource: ['*'] } },
      {
        id: 'deny-meta',
        tool: 'web',
        action: 'get',
        effect: 'deny',
        when: { resource: ['http://169.254.*'] },
      },
    ]);
    expect(policy.evaluate('WORK', ask('web', 'get')).allow).toBe(false);
    expect(policy.evaluate('WORK', ask('web', 'get', { resource: 'https://x' })).allow).toBe(true);
    expect(
      policy.evaluate('WORK', ask('web', 'get', { resource: 'http://169.254.169.254/' })).ruleId,
    ).toBe('deny-meta');
  });

  it('args: every condition field holds, a missing argument fails', () => {
    const policy = work([
      {
        id: 'q',
        tool: 'db',
        action: 'q',
        effect: 'allow',
        when: {
          args: {
            limit: { min: 1, max: 100 },
            table: { in: ['items', 'orders', 7] },
            mode: { equals: 'read', prefix: 're' },
            dry: { equals: false },
          },
        },
      },
    ]);
    const withArgs = (args: Record<string, unknown>) =>
      policy.evaluate('WORK', { tool: 'db', action: 'q', subject: 's', args }).allow;
    const good = { limit: 10, table: 'items', mode: 'read', dry: false };
    expect(withArgs(good)).toBe(true);
    expect(withArgs({ ...good, table: 7 })).toBe(true);
    expect(withArgs({ ...good, limit: 0 })).toBe(false);
    expect(withArgs({ ...good, limit: 101 })).toBe(false);
    expect(withArgs({ ...good, limit: '10' })).toBe(false);
    expect(withArgs({ ...good, table: 'users' })).toBe(false);
    expect(withArgs({ ...good, table: '7' })).toBe(false);
    expect(withArgs({ ...good, mode: 'rewrite' })).toBe(false);
    expect(withArgs({ ...good, dry: 'false' })).toBe(false);
    const { dry: _dry, ...missing } = good;
    expect(withArgs(missing)).toBe(false);
    expect(policy.evaluate('WORK', { tool: 'db', action: 'q', subject: 's' }).allow).toBe(false);
  });

  it('args named like Object.prototype members are missing unless given', () => {
    const policy = work([
      {
        id: 'c',
        tool: 't',
        action: 'a',
        effect: 'allow',
        when: { args: { constructor: { prefix: '' } } },
      },
    ]);
    expect(policy.evaluate('WORK', { tool: 't', action: 'a', subject: 's', args: {} }).allow).toBe(
      false,
    );
    expect(
      policy.evaluate('WORK', { tool: 't', action: 'a', subject: 's', args: { constructor: 'x' } })
        .allow,
    ).toBe(true);
  });
});

describe('the reference policy', () => {
  let policy: CompiledPolicy;
  beforeAll(async () => {
    policy = compilePolicy(await loadPolicyFile(join(FIXTURES, 'reference.policy.yaml')));
  });

  it('PUB reads and fetches docs; it writes nothing', () => {
    expect(policy.document.defaultMode).toBe('PUB');
    expect(policy.evaluate('PUB', ask('docs.search', 'query')).allow).toBe(true);
    expect(
      policy.evaluate('PUB', ask('web.fetch', 'get', { resource: 'https://docs.example.com/a' }))
        .allow,
    ).toBe(true);
    expect(
      policy.evaluate('PUB', ask('web.fetch', 'get', { resource: 'https://evil.example.net/' }))
        .allow,
    ).toBe(false);
    expect(policy.evaluate('PUB', ask('items', 'write')).ruleId).toBe('no-writes-in-pub');
    expect(policy.evaluate('PUB', ask('shell.exec', 'run')).allow).toBe(false);
  });

  it('WORK: shell needs approval, services query the database, DROP is denied', () => {
    expect(policy.evaluate('WORK', ask('shell.exec', 'run')).effect).toBe('approval');
    const query = (subject: string, args: Record<string, unknown>) =>
      policy.evaluate('WORK', { tool: 'db.query', action: 'select', subject, args });
    expect(query('svc:billing', { limit: 50 }).ruleId).toBe('db-query-services');
    expect(query('svc:billing', { limit: 5000 }).allow).toBe(false);
    expect(query('user:alice', { table: 'orders' }).ruleId).toBe('db-query-readonly-tables');
    expect(query('user:mallory', { table: 'orders' }).allow).toBe(false);
    expect(query('svc:billing', { limit: 5, statement: 'DROP TABLE items' }).ruleId).toBe(
      'no-drop',
    );
    expect(
      policy.evaluate(
        'WORK',
        ask('web.fetch', 'get', { resource: 'http://169.254.169.254/latest' }),
      ).ruleId,
    ).toBe('no-metadata-endpoint');
  });
});
