import type { Static } from '@sinclair/typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { parsePolicy } from '../src/policy/load.js';
import type { PolicySchema } from '../src/policy/schema.js';
import type { PolicyDocument } from '../src/policy/types.js';
import { policyWith } from './fixtures/policy-documents.js';

// The schema validates what the gate runs; PolicyDocument is what the code reads. `npm run
// typecheck` fails here when the two drift apart (a field added to one and not the other).
describe('the policy schema and the PolicyDocument type', () => {
  it("the schema's static type is assignable to PolicyDocument", () => {
    expectTypeOf<Static<typeof PolicySchema>>().toExtend<PolicyDocument>();
    // And field by field back, readonly aside: no field of a rule is missing from the schema.
    expectTypeOf<keyof PolicyDocument['modes'][string]['rules'][number]>().toEqualTypeOf<
      keyof Static<typeof PolicySchema>['modes'][string]['rules'][number]
    >();
    expectTypeOf<keyof PolicyDocument['modes'][string]['egress'][number]>().toEqualTypeOf<
      keyof Static<typeof PolicySchema>['modes'][string]['egress'][number]
    >();
    expectTypeOf<keyof PolicyDocument>().toEqualTypeOf<keyof Static<typeof PolicySchema>>();
  });

  it('a document built to the type passes the schema', () => {
    const document = policyWith({
      WORK: {
        rules: [
          {
            id: 'r1',
            tool: 'db.query',
            action: '*',
            effect: 'allow',
            when: {
              subject: ['svc:*'],
              resource: ['postgres://db/*'],
              args: { limit: { min: 1, max: 10 }, table: { in: ['a', 1] }, ro: { equals: true } },
            },
            reason: 'services read',
          },
        ],
        egress: [{ id: 'e', host: '*.example.com', ports: [443], schemes: ['https', 'tls'] }],
      },
    });
    expect(parsePolicy(JSON.stringify(document), 'built.json')).toEqual(document);
  });
});
