import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/shared/passwords.ts';
import { isOneLine, removeTempAppliances, run, serve, tempAppliance } from './cli-process.ts';

afterAll(removeTempAppliances);

async function stopWith(signal: NodeJS.Signals, served: Awaited<ReturnType<typeof serve>>) {
  const sent = Date.now();
  served.child.kill(signal);
  const result = await served.exited;
  return { ...result, ms: Date.now() - sent };
}

describe('serve: first start and restart', () => {
  const { dir, config } = tempAppliance();
  const data = join(dir, 'data');
  const hostKeyOf = (log: string) => /"host_keys":\["(SHA256:[^"]+)"\]/.exec(log)?.[1];
  let firstFingerprint: string | undefined;

  it('creates the data folder, prints generated credentials once and keeps only their hashes', async () => {
    const served = await serve(['serve', '--config', config]);
    const health = await fetch(`http://127.0.0.1:${served.webPort}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    firstFingerprint = hostKeyOf(served.stdout());
    const stopped = await stopWith('SIGTERM', served);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(10_000);

    const printed = [...stopped.stderr.matchAll(/created the (SFTP|WEB) account "([^"]+)" with password: (\S+)/g)];
    expect(printed.map((m) => m[1])).toEqual(['SFTP', 'WEB']);
    const stored = JSON.parse(readFileSync(join(data, 'generated-accounts.json'), 'utf8'));
    const kept = readFileSync(join(data, 'generated-accounts.json'), 'utf8');
    for (const [, service, username, password] of printed) {
      const account = stored[service!.toLowerCase()][0];
      expect(account.username).toBe(username);
      expect(await verifyPassword(password!, account.password_hash)).toBe(true);
      expect(kept).not.toContain(password!);
      // The password goes to the console once, never into the log.
      expect(stopped.stdout).not.toContain(password!);
    }
    expect(readFileSync(join(data, 'ssh_host_ed25519_key'), 'utf8')).toMatch(/BEGIN OPENSSH PRIVATE KEY/);
    // The effective configuration is logged once, without secrets.
    expect(stopped.stdout.match(/"msg":"starting idphotos"/g)).toHaveLength(1);
    expect(stopped.stdout).not.toContain('$argon2id$');
  });

  it('a restart keeps the accounts and the host key, prints no password, and SIGINT stops it too', async () => {
    const accountsBefore = readFileSync(join(data, 'generated-accounts.json'), 'utf8');
    const keyBefore = readFileSync(join(data, 'ssh_host_ed25519_key'), 'utf8');
    const served = await serve(['serve', '--config', config]);
    const fingerprint = hostKeyOf(served.stdout());
    const stopped = await stopWith('SIGINT', served);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(10_000);
    expect(stopped.stderr).not.toMatch(/password/i);
    expect(readFileSync(join(data, 'generated-accounts.json'), 'utf8')).toBe(accountsBefore);
    expect(readFileSync(join(data, 'ssh_host_ed25519_key'), 'utf8')).toBe(keyBefore);
    expect(fingerprint).toMatch(/^SHA256:/);
    expect(fingerprint).toBe(firstFingerprint);
  });
});

describe('serve: start-up failures end in one line that names the cause', () => {
  let accounts = '';
  let blocker: Server;
  beforeAll(async () => {
    const hash = await hashPassword('not used in this test');
    accounts = `\n[[sftp.accounts]]\nusername = "district"\npassword_hash = "${hash}"\n\n[[web.accounts]]\nusername = "admin"\npassword_hash = "${hash}"\nrole = "admin"\n`;
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => blocker.close());

  it('a port already in use', async () => {
    const port = (blocker.address() as { port: number }).port;
    const { config } = tempAppliance(accounts);
    const text = readFileSync(config, 'utf8').replace('[web]\nlisten = "127.0.0.1:0"', `[web]\nlisten = "127.0.0.1:${port}"`);
    writeFileSync(config, text);
    const r = await run(['serve', '--config', config]);
    expect(r.code).toBe(1);
    expect(isOneLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port}: the port is already in use`);
    // The configuration was logged before listening, its configured hashes redacted.
    expect(r.stdout).toContain('"password_hash":"[redacted]"');
    expect(r.stdout).not.toContain('$argon2id$');
  });

  it('a data_dir the service user cannot write', async () => {
    const { dir, config } = tempAppliance(accounts);
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    chmodSync(dir, 0o755);
    writeFileSync(config, readFileSync(config, 'utf8').replace('data_dir = "data"', 'data_dir = "locked/data"'));
    // root writes anywhere; run as an unprivileged user, as the service does.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = await run(['serve', '--config', config], asNobody);
    expect(r.code).toBe(1);
    expect(isOneLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain(`data_dir ${join(locked, 'data')} is not writable: permission denied`);
  });
});
