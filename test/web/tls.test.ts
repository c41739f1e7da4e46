import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORDS, createTestSite, type TestSite } from './helpers.ts';

/** One HTTPS request to the appliance, trusting its self-signed test certificate. */
function https(port: number, path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('web viewer over TLS (web.tls_cert / web.tls_key)', () => {
  const certs = mkdtempSync(join(tmpdir(), 'idphotos-tls-'));
  let site: TestSite;
  let port: number;

  beforeAll(async () => {
    // Asynchronously and bounded: a blocking call here would stall the worker beyond vitest's timeouts.
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-keyout', join(certs, 'key.pem'), '-out', join(certs, 'cert.pem')], { timeout: 30_000 });
    site = await createTestSite(`tls_cert = "${join(certs, 'cert.pem')}"\ntls_key = "${join(certs, 'key.pem')}"`);
    port = (await site.app.start()).webPort;
  });
  afterAll(async () => {
    await site?.close();
    rmSync(certs, { recursive: true, force: true });
  });

  it('serves HTTPS, and the session cookie it sets is Secure, HttpOnly and SameSite=Lax', async () => {
    const health = await https(port, '/healthz');
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });
    // Answered in front of the app (web/health-fast-path.ts), with the app's HTTPS header too.
    expect(health.headers['strict-transport-security']).toBe('max-age=31536000');
    const login = await https(port, '/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: `https://127.0.0.1:${port}` },
      body: new URLSearchParams({ username: 'admin', password: PASSWORDS.admin }).toString(),
    });
    expect(login.status).toBe(303);
    const cookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []).join('\n');
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    const page = await https(port, '/', { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
  });
});
