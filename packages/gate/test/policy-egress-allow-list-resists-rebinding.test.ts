import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../src/policy/compile.js';
import { loadPolicyFile } from '../src/policy/load.js';
import type { EgressDestination, EgressRule } from '../src/policy/types.js';
import { FIXTURES, policyWith } from './fixtures/policy-documents.js';

const pub = (egress: EgressRule[]) => {
  const policy = compilePolicy(policyWith({ PUB: { egress } }));
  return (destination: EgressDestination) => policy.egress('PUB', destination);
};

describe('egress by host name', () => {
  const check = pub([
    { id: 'api', host: 'api.example.com', schemes: ['https', 'http'] },
    { id: 'files', host: '*.files.example.org', ports: [443, 8443] },
    { id: 'anything', host: 'any.example.com' },
    { id: 'raw', host: 'raw.example.com', schemes: ['tcp'] },
  ]);

  it("with schemes and no ports, each scheme's default port", () => {
    expect(check({ host: 'api.example.com', port: 443, scheme: 'https' })).toEqual({
      allow: true,
      ruleId: 'api',
      reason: 'allowed by egress rule api',
    });
    expect(check({ host: 'API.Example.COM.', port: 443, scheme: 'https' }).allow).toBe(true);
    expect(check({ host: 'api.example.com', port: 80, scheme: 'http' }).allow).toBe(true);
    expect(check({ host: 'api.example.com', port: 8080, scheme: 'http' })).toEqual({
      allow: false,
      reason:
        "egress to api.example.com:8080 over http is not in mode PUB's allow-list: the host is listed, but not for this port and scheme",
    });
    // Without a scheme (a socket's view, below the protocol), any scheme the rule allows will do:
    // 443 is https's port, 8080 no scheme's.
    expect(check({ host: 'api.example.com', port: 443 }).allow).toBe(true);
    expect(check({ host: 'api.example.com', port: 8080 }).allow).toBe(false);
    expect(check({ host: 'raw.example.com', port: 5432 }).ruleId).toBe('raw');
    expect(check({ host: 'raw.example.com', port: 443, scheme: 'https' }).allow).toBe(false);
  });

  it('with neither ports nor schemes, any port and scheme', () => {
    expect(check({ host: 'any.example.com', port: 8080, scheme: 'http' }).ruleId).toBe('anything');
    expect(check({ host: 'any.example.com', port: 22 }).ruleId).toBe('anything');
  });

  it('other hosts are not allowed, not even lookalikes', () => {
    for (const host of [
      'example.com',
      'xapi.example.com',
      'api.example.com.evil.net',
      'a.api.example.com',
    ]) {
      expect(check({ host, port: 443, scheme: 'https' })).toEqual({
        allow: false,
        reason: `egress to ${host}:443 is not in mode PUB's allow-list`,
      });
    }
  });

  it('a wildcard matches exactly one label', () => {
    expect(check({ host: 'eu.files.example.org', port: 8443, scheme: 'https' }).ruleId).toBe(
      'files',
    );
    expect(check({ host: 'files.example.org', port: 443, scheme: 'https' }).allow).toBe(false);
    expect(check({ host: 'a.eu.files.example.org', port: 443, scheme: 'https' }).allow).toBe(false);
    expect(check({ host: 'eu.files.example.org', port: 444, scheme: 'https' }).allow).toBe(false);
  });

  it('schemes restrict a rule', () => {
    const only = pub([{ id: 'tls', host: 'db.example.com', schemes: ['tls'], ports: [5432] }]);
    expect(only({ host: 'db.example.com', port: 5432, scheme: 'tls' }).allow).toBe(true);
    expect(only({ host: 'db.example.com', port: 5432, scheme: 'tcp' }).allow).toBe(false);
    // A socket cannot tell tls from tcp: the port decides there; the dispatcher judged the scheme.
    expect(only({ host: 'db.example.com', port: 5432 }).allow).toBe(true);
    expect(only({ host: 'db.example.com', port: 5433 }).allow).toBe(false);
  });

  it('a public address the allowed name resolved to is fine', () => {
    expect(
      check({ host: 'api.example.com', address: '93.184.215.14', port: 443, scheme: 'https' })
        .ruleId,
    ).toBe('api');
    expect(
      check({ host: 'evil.net', address: '93.184.215.14', port: 443, scheme: 'https' }),
    ).toEqual({
      allow: false,
      reason: "egress to evil.net:443 is not in mode PUB's allow-list",
    });
  });
});

describe('egress by cidr', () => {
  const check = pub([
    { id: 'db-net', cidr: '10.20.0.0/16', ports: [5432] },
    { id: 'v6', cidr: '2001:db8::/32', schemes: ['https'] },
    { id: 'one', cidr: '203.0.113.7' },
  ]);

  it('IPv4 networks and single addresses, with ports', () => {
    expect(check({ address: '10.20.3.4', port: 5432 }).ruleId).toBe('db-net');
    expect(check({ address: '10.21.3.4', port: 5432 })).toEqual({
      allow: false,
      reason: "egress to 10.21.3.4:5432 is not in mode PUB's allow-list",
    });
    expect(check({ address: '10.20.3.4', port: 5433 }).allow).toBe(false);
    expect(check({ address: '203.0.113.7', port: 9000, scheme: 'tcp' }).ruleId).toBe('one');
    expect(check({ address: '203.0.113.8', port: 9000 }).allow).toBe(false);
  });

  it('IPv6 networks, any spelling', () => {
    expect(check({ address: '2001:db8::1', port: 443, scheme: 'https' }).ruleId).toBe('v6');
    expect(check({ address: '2001:DB8:0:0:0:0:0:1', port: 443, scheme: 'https' }).ruleId).toBe(
      'v6',
    );
    expect(check({ address: '2001:db8::1', port: 443, scheme: 'tls' }).allow).toBe(false);
    expect(check({ address: '2001:db9::1', port: 443, scheme: 'https' })).toEqual({
      allow: false,
      reason: "egress to [2001:db9::1]:443 is not in mode PUB's allow-list",
    });
  });

  it('IPv4-mapped IPv6 is judged as its IPv4 address', () => {
    expect(check({ address: '::ffff:10.20.3.4', port: 5432 }).ruleId).toBe('db-net');
    expect(check({ address: '::ffff:a14:304', port: 5432 }).ruleId).toBe('db-net');
    expect(check({ address: '0:0:0:0:0:ffff:a15:304', port: 5432 })).toEqual({
      allow: false,
      reason: "egress to 10.21.3.4:5432 is not in mode PUB's allow-list",
    });
  });

  it('a destination that is not an address, or names nothing, is refused', () => {
    expect(check({ address: '10.20.3', port: 5432 })).toEqual({
      allow: false,
      reason: 'egress to "10.20.3" is refused: not an IP address',
    });
    expect(check({ port: 443 }).allow).toBe(false);
    expect(check({ address: '10.20.3.4', port: 0 }).allow).toBe(false);
    expect(check({ address: '10.20.3.4', port: 70_000 }).allow).toBe(false);
  });
});

describe('DNS rebinding: a host rule never reaches a special address', () => {
  const named = pub([{ id: 'api', host: 'api.example.com' }]);

  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['10.1.2.3', 'a private address'],
    ['172.16.0.9', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['169.254.169.254', 'the cloud metadata address'],
    ['169.254.1.1', 'a link-local address'],
    ['100.64.0.1', 'a carrier-grade NAT (shared) address'],
    ['0.0.0.0', 'an unspecified address'],
    ['224.0.0.251', 'a multicast address'],
    ['255.255.255.255', 'a reserved address'],
    ['::1', 'a loopback address'],
    ['fd12::1', 'a private address'],
    ['fe80::1%eth0', 'a link-local address'],
    ['::', 'an unspecified address'],
    ['ff02::1', 'a multicast address'],
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['::ffff:a9fe:a9fe', 'the cloud metadata address'],
  ])('api.example.com resolved to %s is refused (%s)', (address, what) => {
    const shown = address.startsWith('::ffff:')
      ? address === '::ffff:127.0.0.1'
        ? '127.0.0.1'
        : '169.254.169.254'
      : address.replace('%eth0', '');
    expect(named({ host: 'api.example.com', address, port: 443, scheme: 'https' })).toEqual({
      allow: false,
      reason: `api.example.com resolved to ${shown}, ${what} no cidr rule allows`,
    });
  });

  it('before resolution the name alone is allowed; the guard asks again with the address', () => {
    expect(named({ host: 'api.example.com', port: 443, scheme: 'https' }).allow).toBe(true);
  });

  it('a cidr rule that names the range allows the same destination', () => {
    const local = pub([
      { id: 'api', host: 'api.example.com' },
      { id: 'loopback', cidr: '127.0.0.0/8' },
      { id: 'lan', cidr: '10.0.0.0/8', ports: [443] },
      { id: 'metadata', cidr: '169.254.169.254/32', schemes: ['http'] },
    ]);
    expect(
      local({ host: 'api.example.com', address: '127.0.0.1', port: 443, scheme: 'https' }).ruleId,
    ).toBe('loopback');
    expect(
      local({ host: 'api.example.com', address: '::ffff:7f00:1', port: 443, scheme: 'https' })
        .ruleId,
    ).toBe('loopback');
    expect(
      local({ host: 'api.example.com', address: '10.9.9.9', port: 443, scheme: 'https' }).ruleId,
    ).toBe('lan');
    // The cidr rule's ports still hold: 10.x on another port is refused.
    expect(
      local({ host: 'api.example.com', address: '10.9.9.9', port: 8443, scheme: 'https' }).allow,
    ).toBe(false);
    expect(
      local({ host: 'any.name', address: '169.254.169.254', port: 80, scheme: 'http' }).ruleId,
    ).toBe('metadata');
    expect(
      local({ host: 'api.example.com', address: '169.254.169.254', port: 443, scheme: 'https' })
        .allow,
    ).toBe(false);
  });

  it('a URL naming an address as its host is judged by cidr rules', () => {
    expect(named({ host: '127.0.0.1', port: 443, scheme: 'https' })).toEqual({
      allow: false,
      reason: "egress to 127.0.0.1:443 is not in mode PUB's allow-list",
    });
    expect(named({ host: '[::1]', port: 443, scheme: 'https' }).allow).toBe(false);
  });
});

describe('egress in the reference policy', () => {
  it('PUB reaches two hosts on 443; WORK also reaches loopback for local development', async () => {
    const policy = compilePolicy(await loadPolicyFile(join(FIXTURES, 'reference.policy.yaml')));
    expect(
      policy.egress('PUB', { host: 'docs.example.com', port: 443, scheme: 'https' }).ruleId,
    ).toBe('docs');
    expect(policy.egress('PUB', { host: 'docs.example.com', port: 80, scheme: 'http' }).allow).toBe(
      false,
    );
    expect(policy.egress('PUB', { address: '127.0.0.1', port: 8080, scheme: 'http' }).allow).toBe(
      false,
    );
    expect(policy.egress('WORK', { address: '127.0.0.1', port: 8080, scheme: 'http' }).ruleId).toBe(
      'loopback',
    );
    expect(policy.egress('WORK', { host: 'localhost', address: '::1', port: 5432 }).ruleId).toBe(
      'loopback-v6',
    );
    expect(policy.egress('NOPE', { host: 'docs.example.com', port: 443, scheme: 'https' })).toEqual(
      {
        allow: false,
        reason: 'unknown mode "NOPE": the policy has no such mode, so nothing is allowed',
      },
    );
  });
});
