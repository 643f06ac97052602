import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.js';

describe('configuration', () => {
  it('fills defaults for everything but name and version', () => {
    const config = loadConfig({ name: 'svc', version: '1.0.0' }, {});
    expect(config.http).toEqual({
      host: '127.0.0.1',
      port: 8080,
      bodyLimitBytes: 1_048_576,
      maxJsonDepth: 64,
      keepAliveTimeoutMs: 72_000,
      requestTimeoutMs: 30_000,
    });
    expect(config.shutdown).toEqual({ drainDelayMs: 5_000, deadlineMs: 25_000 });
    expect(config.environment).toBe('development');
  });

  it('lets the environment override the code, with types coerced', () => {
    const config = loadConfig(
      { name: 'svc', version: '1.0.0', http: { port: 9000 } },
      {
        PORT: '9100',
        NODE_ENV: 'production',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      },
    );
    expect(config.http.port).toBe(9100);
    expect(config.environment).toBe('production');
    expect(config.tracing.sampleRatio).toBe(0.25);
    expect(config.tracing.otlpEndpoint).toBe('http://collector:4318/v1/traces');
  });

  it('names every bad field and the variable it came from', () => {
    let error: unknown;
    try {
      loadConfig({ name: 'Bad Name', version: '1' }, { PORT: '99999', LOG_LEVEL: 'loud' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect((error as ConfigError).code).toBe('BW_CONFIG_INVALID');
    expect(message).toMatch(/http\.port must be <= 65535 \(from PORT\)/);
    expect(message).toMatch(/name must match pattern/);
    expect(message).toMatch(/from LOG_LEVEL/);
  });

  it('rejects unknown settings by name', () => {
    expect(() => loadConfig({ name: 'svc', version: '1', http: { prot: 1 } as never }, {})).toThrow(
      /has an unknown setting "prot"/,
    );
  });
});
