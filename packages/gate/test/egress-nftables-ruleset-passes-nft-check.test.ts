import { spawnSync } from 'node:child_process';
import { systemPart } from '@bulwark/testkit';
import { describe, expect, it } from 'vitest';
import {
  NftablesOptionsError,
  type ResolvedHost,
  renderNftables,
  renderNftablesRefresh,
} from '../src/egress/render-nftables.js';
import { PolicyError } from '../src/errors.js';
import type { PolicyDocument } from '../src/policy/types.js';

// `nft -c` asks the kernel to validate the batch and throw it away: it needs CAP_NET_ADMIN.
const nft = systemPart({
  name: 'nft with CAP_NET_ADMIN',
  install: 'nftables (apt-get install nftables), run as root',
  probe: ['nft', 'list', 'tables'],
});

const POLICY: PolicyDocument = {
  format: 'bulwark.policy/v1',
  gate: 'tool-gate',
  version: 4,
  expiresAt: '2030-01-01T00:00:00Z',
  defaultMode: 'PUB',
  modes: {
    PUB: { rules: [], egress: [] },
    WORK: {
      rules: [],
      egress: [
        { id: 'openai', host: 'api.openai.com', schemes: ['https'] },
        { id: 'search', host: 'Search.Example.com', ports: [443, 8443] },
        { id: 'search-alt', host: 'search-example.com' },
        { id: 'wild', host: '*.cdn.example.com' },
        { id: 'corp', cidr: '10.20.0.0/16', ports: [5432, 443] },
        { id: 'corp-sub', cidr: '10.20.1.0/24', ports: [443, 5432] },
        { id: 'v6-peer', cidr: '2001:db8::7', schemes: ['tcp'] },
        { id: 'web', cidr: '192.0.2.0/24', schemes: ['http'] },
      ],
    },
  },
};

const ANSWERS: Record<string, ResolvedHost> = {
  'api.openai.com': { v4: ['203.0.113.10', '203.0.113.11'], v6: ['2001:db8:1::10'] },
  // A rebinding answer: the metadata and a private address come back with a public one.
  'search.example.com': { v4: ['203.0.113.20', '169.254.169.254', '10.1.2.3'], v6: ['::1'] },
};

async function fakeResolve(host: string): Promise<ResolvedHost> {
  const answer = ANSWERS[host];
  if (!answer)
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return answer;
}

/** Runs `nft -c -f -` (check only: nothing is applied) and returns its exit status and stderr. */
function nftCheck(text: string): { status: number | null; stderr: string } {
  const result = spawnSync('nft', ['-c', '-f', '-'], { input: text, encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

describe('renderNftables', () => {
  it('writes a drop-by-default output chain with cidr interval sets grouped by ports', async () => {
    const { ruleset, table } = await renderNftables(POLICY, 'WORK', {
      resolve: fakeResolve,
      resolvers: ['10.0.0.2', 'fd00::53'],
    });
    expect(table).toBe('bulwark_egress');
    expect(ruleset).toContain('table inet bulwark_egress {');
    expect(ruleset).toContain('type filter hook output priority 0; policy drop;');
    expect(ruleset).toContain('ct state established,related accept');
    expect(ruleset).toContain('oifname "lo" accept');
    expect(ruleset).toContain('ip daddr { 10.0.0.2 } udp dport 53 accept');
    expect(ruleset).toContain('ip6 daddr { fd00::53 } tcp dport 53 accept');
    // The two rules with the same ports share one interval set and one accept rule.
    expect(ruleset).toMatch(
      /set cidr_v4_p443_5432 \{\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n\t\telements = \{ 10\.20\.0\.0\/16, 10\.20\.1\.0\/24 \}/,
    );
    expect(ruleset).toContain('ip daddr @cidr_v4_p443_5432 tcp dport { 443, 5432 } accept');
    expect(ruleset).toContain('ip daddr @cidr_v4_p80 tcp dport 80 accept');
    expect(ruleset).toContain('ip6 daddr @cidr_v6_any meta l4proto tcp accept');
  });

  it('puts each host rule into named v4 and v6 sets, leaving out internal addresses', async () => {
    const { ruleset, sets, unexpressible } = await renderNftables(POLICY, 'WORK', {
      resolve: fakeResolve,
    });
    expect(sets.map(({ name, addresses, refused }) => ({ name, addresses, refused }))).toEqual([
      {
        name: 'host_api_openai_com_v4',
        addresses: ['203.0.113.10', '203.0.113.11'],
        refused: [],
      },
      { name: 'host_api_openai_com_v6', addresses: ['2001:db8:1::10'], refused: [] },
      {
        name: 'host_search_example_com_v4',
        addresses: ['203.0.113.20'],
        refused: ['10.1.2.3', '169.254.169.254'],
      },
      { name: 'host_search_example_com_v6', addresses: [], refused: ['::1'] },
      // search-example.com sanitizes to the same name: it gets its own.
      { name: 'host_search_example_com_2_v4', addresses: [], refused: [] },
      { name: 'host_search_example_com_2_v6', addresses: [], refused: [] },
    ]);
    expect(sets[4]?.unresolved).toMatch(/ENOTFOUND search-example.com/);
    expect(ruleset).toContain('elements = { 203.0.113.10, 203.0.113.11 }');
    expect(ruleset).not.toContain('169.254.169.254');
    expect(ruleset).toContain(
      'ip daddr @host_api_openai_com_v4 tcp dport 443 accept comment "rule openai api.openai.com"',
    );
    expect(ruleset).toContain(
      'ip daddr @host_search_example_com_v4 tcp dport { 443, 8443 } accept',
    );
    expect(unexpressible).toEqual([
      expect.objectContaining({ ruleId: 'wild', host: '*.cdn.example.com' }),
    ]);
    expect(ruleset).toContain('# Not expressible, so dropped: rule wild *.cdn.example.com.');
  });

  it('resolves with getaddrinfo by default', async () => {
    const policy: PolicyDocument = {
      ...POLICY,
      modes: { ...POLICY.modes, PUB: { rules: [], egress: [{ host: 'localhost', ports: [80] }] } },
    };
    const { sets } = await renderNftables(policy, 'PUB');
    // localhost resolves to loopback, which a name may never reach: refused, not in the set.
    const refused = sets.flatMap((set) => set.refused);
    expect(refused.length).toBeGreaterThan(0);
    for (const address of refused) expect(['127.0.0.1', '::1']).toContain(address);
    expect(sets.flatMap((set) => set.addresses)).toEqual([]);
  });

  it.skipIf(!nft.available)('passes `nft -c`, and so does the refresh on top of it', async () => {
    const options = {
      table: 'bw_check',
      resolve: fakeResolve,
      resolvers: ['10.0.0.2', 'fd00::53'],
    };
    const { ruleset } = await renderNftables(POLICY, 'WORK', options);
    expect(nftCheck(ruleset)).toEqual({ status: 0, stderr: '' });
    const { script } = await renderNftablesRefresh(POLICY, 'WORK', {
      ...options,
      resolve: async () => ({ v4: ['198.51.100.1', '198.51.100.2'], v6: ['2001:db8:2::1'] }),
    });
    expect(script).toContain('flush set inet bw_check host_api_openai_com_v4\n');
    expect(script).toContain(
      'add element inet bw_check host_api_openai_com_v4 { 198.51.100.1, 198.51.100.2 }\n',
    );
    // A refresh only touches sets that exist: check it against the table it refills.
    expect(nftCheck(`${ruleset}\n${script}`)).toEqual({ status: 0, stderr: '' });
    expect(nftCheck(script).status).not.toBe(0);
    // The check is a real one: a broken ruleset fails it.
    expect(nftCheck(ruleset.replace('policy drop', 'policy dorp')).status).not.toBe(0);
  });

  it.skipIf(!nft.available)(
    'an empty mode passes `nft -c` and accepts only the basics',
    async () => {
      const { ruleset, sets } = await renderNftables(POLICY, 'PUB', { loopback: false });
      expect(sets).toEqual([]);
      expect(ruleset).not.toContain('oifname "lo"');
      expect(ruleset).not.toContain(' set ');
      expect(nftCheck(ruleset)).toEqual({ status: 0, stderr: '' });
    },
  );

  it('refuses options it cannot write and modes the policy lacks', async () => {
    await expect(renderNftables(POLICY, 'WORK', { table: 'bad name;' })).rejects.toBeInstanceOf(
      NftablesOptionsError,
    );
    await expect(
      renderNftables(POLICY, 'WORK', { resolvers: ['dns.example.com'] }),
    ).rejects.toThrow(/is not an address/);
    await expect(renderNftables(POLICY, 'ROOT')).rejects.toBeInstanceOf(PolicyError);
    await expect(
      renderNftables(
        {
          ...POLICY,
          modes: { ...POLICY.modes, PUB: { rules: [], egress: [{ cidr: '10.0.0.0/33' }] } },
        },
        'PUB',
      ),
    ).rejects.toBeInstanceOf(PolicyError);
  });
});
