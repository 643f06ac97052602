import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import {
  builtInConfigSchemas,
  ConfigRegistryError,
  ConfigSchemas,
  ConfigSection,
  documentProblem,
  validateDocument,
} from '../src/index.js';

const notifications = builtInConfigSchemas().get('notifications', 1);

function refusal(document: unknown): ConfigRegistryError {
  try {
    validateDocument(notifications, document);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigRegistryError);
    expect((error as Error).message).not.toContain('\n');
    return error as ConfigRegistryError;
  }
  throw new Error('expected the document to be refused');
}

describe('validating a config document against its schema', () => {
  it('accepts a partial document and returns it completed with the defaults', () => {
    const document = { janitor: { enabled: false } };
    const completed = validateDocument(notifications, document);
    expect(completed).toEqual({
      janitor: { enabled: false, intervalSeconds: 300, retentionDays: 30 },
      delivery: { workers: 4, maxAttempts: 5 },
      smtp: { host: 'localhost', port: 587 },
    });
    expect(document).toEqual({ janitor: { enabled: false } });
  });

  it('refuses a wrong type naming the JSON pointer and the type expected', () => {
    const error = refusal({ janitor: { enabled: 'nope' } });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.path).toBe('/janitor/enabled');
    expect(error.message).toBe('config notifications v1: /janitor/enabled must be boolean');
  });

  it('refuses a value out of range, saying the bound', () => {
    const error = refusal({ janitor: { intervalSeconds: 1 } });
    expect(error.path).toBe('/janitor/intervalSeconds');
    expect(error.message).toBe('config notifications v1: /janitor/intervalSeconds must be >= 10');
  });

  it('refuses an unknown key, pointing at it and listing the keys there are', () => {
    const error = refusal({ janitor: { enabeld: false } });
    expect(error.path).toBe('/janitor/enabeld');
    expect(error.message).toBe(
      'config notifications v1: /janitor/enabeld is not a known key ' +
        '(expected one of: enabled, intervalSeconds, retentionDays)',
    );
    expect(refusal({ janitors: {} }).path).toBe('/janitors');
  });

  it('refuses a document that is not an object', () => {
    expect(refusal(['janitor']).message).toBe('config notifications v1: / must be an object');
    expect(refusal(null).code).toBe('CONFIG_INVALID');
  });

  it('names a missing required key, and says the values a literal union takes', () => {
    const schemas = new ConfigSchemas([
      {
        name: 'strict',
        version: 1,
        schema: ConfigSection({
          region: Type.String(),
          mode: Type.Optional(Type.Union([Type.Literal('fast'), Type.Literal('safe')])),
        }),
      },
    ]);
    const entry = schemas.get('strict', 1);
    expect(documentProblem(entry, {})).toEqual({
      code: 'CONFIG_INVALID',
      path: '/region',
      problem: 'is required',
    });
    expect(documentProblem(entry, { region: 'eu', mode: 'slow' })).toEqual({
      code: 'CONFIG_INVALID',
      path: '/mode',
      problem: 'must be one of "fast", "safe"',
    });
    expect(documentProblem(entry, { region: 'eu', mode: 'safe' })).toBeUndefined();
  });

  it('never quotes the value it refuses', () => {
    const error = refusal({ smtp: { host: 'x'.repeat(300) } });
    expect(error.path).toBe('/smtp/host');
    expect(error.message).not.toContain('xxxx');
  });
});
