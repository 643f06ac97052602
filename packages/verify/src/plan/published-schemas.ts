import { Plan } from './schema.js';

/** JSON Schemas published in the repository's schemas/ folder, by file name. */
export const PUBLISHED_SCHEMAS: Readonly<Record<string, object>> = {
  'bulwark.plan.schema.json': {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Bulwark hardening plan (bulwark.plan.yaml)',
    ...JSON.parse(JSON.stringify(Plan)),
  },
};
