/**
 * Temp-dir TLS fixtures for tests (see test/simulator/certs.ts for what gets generated).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateForeignClientCertAsync,
  generateSiteCertsAsync,
  type ForeignCerts,
  type SiteCertOptions,
  type SiteCerts,
} from '../simulator/certs.js';

export type { ForeignCerts, SiteCertOptions, SiteCerts };

/** Site certs in a fresh temp dir; call `cleanup()` (e.g. in `after`) to remove it. */
export async function makeTempSiteCerts(
  opts: SiteCertOptions = { ipAddresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3'] },
): Promise<SiteCerts & { cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'qlik-certs-'));
  const certs = await generateSiteCertsAsync(dir, opts);
  return { ...certs, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A foreign CA + `CN=QlikClient` client cert in a fresh temp dir. */
export async function makeTempForeignCerts(): Promise<ForeignCerts & { cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'qlik-foreign-'));
  const certs = await generateForeignClientCertAsync(dir);
  return { ...certs, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
