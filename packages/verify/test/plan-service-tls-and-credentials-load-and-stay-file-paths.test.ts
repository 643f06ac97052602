import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../src/checks/builtin.js';
import { PlanError, parsePlan } from '../src/plan/load.js';
import { serializePlan } from '../src/plan/serialize.js';

function plan(service: string): string {
  return `format: bulwark.plan/v1
name: secured
environments:
  local:
    services:
${service}
criteria:
  - id: auth
    text: 401 for a missing or invalid key
    checks: [{ check: auth.enforced, with: { paths: [/v1/items] } }]
`;
}

describe('a plan service with TLS trust and credentials', () => {
  it('loads the CA, server name and credential files as paths, and writes them back unchanged', () => {
    const text = plan(`      - name: core-api
        url: https://127.0.0.1:8443
        tls: { caFile: .bulwark/tls/ca.pem, serverName: localhost }
        credentials:
          apiKeyFile: .bulwark/secrets/core-api.key
          apiKeyHeader: X-Api-Key
          bearerTokenFile: .bulwark/secrets/core-api.jwt`);
    const loaded = parsePlan(text, 'bulwark.plan.yaml', defaultRegistry());
    expect(loaded.environments.local?.services[0]).toMatchObject({
      tls: { caFile: '.bulwark/tls/ca.pem', serverName: 'localhost' },
      credentials: {
        apiKeyFile: '.bulwark/secrets/core-api.key',
        apiKeyHeader: 'X-Api-Key',
        bearerTokenFile: '.bulwark/secrets/core-api.jwt',
      },
    });
    const again = parsePlan(serializePlan(loaded), 'bulwark.plan.yaml', defaultRegistry());
    expect(again.environments.local?.services[0]).toEqual(loaded.environments.local?.services[0]);
  });

  it('refuses a secret written into the plan, an unknown field, and a bad header name', () => {
    const refused = (service: string) => {
      try {
        parsePlan(plan(service), 'bulwark.plan.yaml', defaultRegistry());
      } catch (error) {
        expect(error).toBeInstanceOf(PlanError);
        return (error as Error).message;
      }
      throw new Error('the plan loaded');
    };
    expect(
      refused(
        `      - { name: api, url: "https://127.0.0.1:8443", credentials: { apiKey: bwk_0123 } }`,
      ),
    ).toMatch(/credentials: unknown field "apiKey"/);
    expect(
      refused(`      - { name: api, url: "https://127.0.0.1:8443", tls: { insecure: true } }`),
    ).toMatch(/tls: unknown field "insecure"/);
    expect(
      refused(
        `      - { name: api, url: "https://127.0.0.1:8443", credentials: { apiKeyFile: k, apiKeyHeader: "x api key" } }`,
      ),
    ).toMatch(/apiKeyHeader/);
  });
});
