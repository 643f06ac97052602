import { spawnSync } from 'node:child_process';
import { systemPart } from '@bulwark/testkit';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  METRICS,
  OVERFLOW_ROUTE,
  SERVICE_METRIC_FAMILIES,
  type Service,
  UNMATCHED_ROUTE,
} from '../src/index.js';
import { baseUrl, testService } from './helpers.js';

const promtool = systemPart({
  name: 'promtool',
  install: 'apt-get install prometheus',
  probe: ['promtool', '--version'],
});

let service: Service | undefined;
afterEach(async () => {
  await service?.shutdown();
  service = undefined;
});

async function get(url: string): Promise<{ status: number; body: string }> {
  const response = await request(url);
  return { status: response.statusCode, body: await response.body.text() };
}

describe('metrics', () => {
  it.skipIf(!promtool.available)('serve text that passes promtool check metrics', async () => {
    ({ service } = testService());
    service.app.get('/v1/things/:id', async () => ({ ok: true }));
    await service.listen();
    await get(`${baseUrl(service)}/v1/things/1`);
    await get(`${baseUrl(service)}/no/such/route`);
    const { body } = await get(`${baseUrl(service)}/metrics`);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    expect(check.stderr + check.stdout).toBe('');
    expect(check.status).toBe(0);
  });

  it('expose every contract family, labelled by route template and status class', async () => {
    ({ service } = testService());
    service.app.get('/v1/things/:id', async () => ({ ok: true }));
    await service.listen();
    for (const id of ['1', '2', 'secret-looking-id'])
      await get(`${baseUrl(service)}/v1/things/${id}`);
    await get(`${baseUrl(service)}/random/${Date.now()}`);
    const { body } = await get(`${baseUrl(service)}/metrics`);
    for (const family of SERVICE_METRIC_FAMILIES) expect(body).toContain(`# TYPE ${family} `);
    expect(body).toContain(
      `${METRICS.requestDuration}_count{method="GET",route="/v1/things/:id",status_class="2xx"} 3`,
    );
    expect(body).toContain(`route="${UNMATCHED_ROUTE}",status_class="4xx"`);
    expect(body).not.toContain('secret-looking-id');
    expect(body).toMatch(/service_startup_seconds \d/);
    expect(body).toMatch(/readiness_last_success_timestamp_seconds \d{10}/);
    expect(body).toContain('build_info{service="kit-test",version="9.9.9"');
  });

  it('cap request series and fold the excess into one overflow route', async () => {
    ({ service } = testService({ metrics: { maxSeries: 10 } }));
    for (let i = 0; i < 30; i++) service.app.get(`/r${i}`, async () => 'ok');
    await service.listen();
    for (let i = 0; i < 30; i++) await get(`${baseUrl(service)}/r${i}`);
    const { body } = await get(`${baseUrl(service)}/metrics`);
    const series = body
      .split('\n')
      .filter((line) => line.startsWith(`${METRICS.requestDuration}_count{`));
    expect(series.length).toBeLessThanOrEqual(11);
    expect(body).toContain(`route="${OVERFLOW_ROUTE}"`);
    expect(body).toMatch(new RegExp(`${METRICS.seriesDropped} [1-9]`));
  });
});
