import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  addApiKey,
  apiKeyHash,
  apiKeyState,
  emptyApiKeyDocument,
  readApiKeyDocument,
  writeApiKeyDocument,
} from '@bulwark/kit/api-keys';
import { ensureDevCertificates } from '../certs/dev-certificates.js';
import type { ResolvedService } from './resolve-stack.js';

/** What `up` made or found for the stack, for its progress lines and its own requests. */
export interface DevCredentials {
  /** The development CA, when a service serves HTTPS: what `up` trusts asking /ready. */
  readonly caFile?: string;
  /** Per service that requires an API key, the file holding the key itself (0600). */
  readonly apiKeyFiles: ReadonlyMap<string, string>;
  /** One line per thing made or kept, for the terminal. */
  readonly lines: readonly string[];
}

/**
 * The development credentials a stack asks for, made on first start and kept after: a local
 * CA and a certificate per HTTPS service (`bulwark certs dev`), and an API key per service
 * that requires one (`bulwark api-keys`): its hash in `<service>.api-keys.json`, which the
 * service reads, and the key itself in `<service>.api-key`, for local tools and the plan. A key
 * file whose key the document no longer accepts (revoked, expired, edited away) gets a new key.
 */
export async function prepareDevCredentials(
  services: readonly ResolvedService[],
  dir: string,
): Promise<DevCredentials> {
  const lines: string[] = [];
  const https = services.filter((s) => s.devCredentials?.certificate).map((s) => s.name);
  let caFile: string | undefined;
  if (https.length > 0) {
    const made = await ensureDevCertificates({ dir, services: https });
    caFile = made.ca.certFile;
    const changed = [made.ca, ...made.services].filter((c) => c.action !== 'kept');
    lines.push(
      changed.length === 0
        ? `dev certificates: kept (CA ${caFile})`
        : `dev certificates: ${changed.map((c) => `${c.name} ${c.action}`).join(', ')} (CA ${caFile})`,
    );
  }
  const apiKeyFiles = new Map<string, string>();
  for (const service of services) {
    const wanted = service.devCredentials?.apiKey;
    if (wanted === undefined) continue;
    const documentFile = join(dir, `${service.name}.api-keys.json`);
    const keyFile = join(dir, `${service.name}.api-key`);
    apiKeyFiles.set(service.name, keyFile);
    const document = existsSync(documentFile)
      ? await readApiKeyDocument(documentFile)
      : emptyApiKeyDocument();
    const current = existsSync(keyFile) ? (await readFile(keyFile, 'utf8')).trim() : undefined;
    const hash = current === undefined ? undefined : apiKeyHash(current);
    const accepted = document.keys.find((k) => k.hash === hash && apiKeyState(k) === 'active');
    if (accepted !== undefined) {
      lines.push(`dev API key for ${service.name}: kept (${keyFile})`);
      continue;
    }
    const issued = addApiKey(document, { subject: wanted.subject, scopes: wanted.scopes });
    await writeApiKeyDocument(documentFile, issued.document);
    await writeFile(keyFile, `${issued.key}\n`, { mode: 0o600 });
    lines.push(`dev API key for ${service.name}: created for ${wanted.subject} (${keyFile})`);
  }
  return { ...(caFile === undefined ? {} : { caFile }), apiKeyFiles, lines };
}
