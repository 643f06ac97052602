import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { configSchemaFileName, publishedConfigSchemas } from '../src/index.js';

const FOLDER = join(import.meta.dirname, '../../../schemas/config');

describe('the published config JSON Schemas', () => {
  const generated = publishedConfigSchemas();

  it('are named <name>.v<version>.schema.json, notifications v1 among them', () => {
    expect(configSchemaFileName('notifications', 1)).toBe('notifications.v1.schema.json');
    expect(Object.keys(generated)).toContain('notifications.v1.schema.json');
  });

  it.each(Object.keys(generated))(
    'schemas/config/%s is what the TypeBox source generates (npm run schemas)',
    (file) => {
      const published = JSON.parse(readFileSync(join(FOLDER, file), 'utf8'));
      expect(published).toEqual(generated[file]);
    },
  );

  it('hold no file whose schema is gone', () => {
    const files = readdirSync(FOLDER).filter((file) => file.endsWith('.schema.json'));
    expect(files.sort()).toEqual(Object.keys(generated).sort());
  });

  it('validate documents outside TypeScript, keeping the x- annotations readable', () => {
    const published = JSON.parse(
      readFileSync(join(FOLDER, 'notifications.v1.schema.json'), 'utf8'),
    ) as Record<string, any>;
    expect(published.properties.janitor.properties.enabled['x-env']).toBe(
      'NOTIFICATIONS_JANITOR_ENABLED',
    );
    expect(published.properties.delivery.properties.workers['x-restart']).toBe(true);
    expect(published.properties.smtp.properties.password['x-secret']).toBe(true);
    // A plain validator, as another language's tooling would use it: x- keywords ignored.
    const validate = new Ajv({ strict: false }).compile(published);
    expect(validate({ janitor: { enabled: false } })).toBe(true);
    expect(validate({ janitor: { enabeld: false } })).toBe(false);
    expect(validate({ smtp: { password: 'hunter2' } })).toBe(false);
    expect(validate({ smtp: { password: `\${secret:smtp#password}` } })).toBe(true);
  });
});
