import { Gauge } from 'prom-client';
import type { Service } from '../service.js';
import type { ListenerServer } from './https-server.js';

/** Under this, /health warns: the renewal that should have replaced it has not. */
const WARN_WITHIN_SECONDS = 14 * 86_400;

/**
 * The served certificate's expiry, as a metric to alert on (`tls_certificate_expiry_seconds`)
 * and a `tls` section of /health: fail once expired, warn within 14 days. It reads the
 * certificate in use after any reload, so a rotation shows at the next scrape.
 */
export function reportCertificateHealth(service: Service, listener: ListenerServer): void {
  new Gauge({
    name: 'tls_certificate_expiry_seconds',
    help: 'Seconds until the served TLS certificate expires (negative once expired).',
    registers: [service.metrics.registry],
    collect() {
      this.set(listener.certificate()?.expiresInSeconds ?? 0);
    },
  });
  service.addHealthReport('tls', () => {
    const certificate = listener.certificate();
    if (certificate === undefined) return { status: 'fail', error: 'no certificate loaded' };
    const { expiresInSeconds, subject, validTo, serialNumber } = certificate;
    const status =
      expiresInSeconds <= 0 ? 'fail' : expiresInSeconds < WARN_WITHIN_SECONDS ? 'warn' : 'pass';
    return { status, subject, valid_to: validTo, serial: serialNumber };
  });
}
