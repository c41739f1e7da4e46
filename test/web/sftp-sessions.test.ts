import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/shared/passwords.ts';
import { createTestSite, signIn, type Session, type TestSite } from './helpers.ts';

const SFTP_PASSWORD = 'sftp-pass-2468';

/** Signs in over SFTP with ssh2's client and opens the sftp subsystem, like WinSCP would. */
function sftpLogin(port: number): Promise<{ sftp: ssh2.SFTPWrapper; end(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    const closed = new Promise<void>((r) => (client as unknown as NodeJS.EventEmitter).once('close', () => r()));
    client.on('error', reject);
    client.on('ready', () =>
      client.sftp((err, sftp) => (err ? reject(err) : resolve({ sftp, end: () => (client.end(), closed) }))),
    );
    client.connect({ host: '127.0.0.1', port, username: 'district', password: SFTP_PASSWORD, readyTimeout: 20_000 });
  });
}

describe('SFTP sessions on the status page', () => {
  let site: TestSite;
  let sftpPort: number;
  let admin: Session;
  let desk: Session;
  const api = async (session: Session) => site.web.request('/api/sftp-sessions', { headers: { cookie: session.cookie } });
  const statusPage = async () => (await site.web.request('/admin/status', { headers: { cookie: admin.cookie } })).text();

  beforeAll(async () => {
    site = await createTestSite(`[[sftp.accounts]]\nusername = "district"\npassword_hash = "${await hashPassword(SFTP_PASSWORD)}"\n`);
    ({ sftpPort } = await site.app.start());
    admin = await signIn(site.web, 'admin');
    desk = await signIn(site.web, 'desk');
  });
  afterAll(() => site.close());

  it('lists a signed-in SFTP connection (account, address, since) until it logs out', async () => {
    expect(await (await api(admin)).json()).toEqual({ count: 0, sessions: [] });
    expect(await statusPage()).toContain('No one is signed in over SFTP.');

    const before = new Date().toISOString();
    const login = await sftpLogin(sftpPort);
    // A real session: the client can list the upload folders.
    const names = await new Promise<string[]>((resolve, reject) =>
      login.sftp.readdir('/incoming', (err, list) => (err ? reject(err) : resolve(list.map((e) => e.filename)))),
    );
    expect(names).toContain('idphotos');

    const body = await (await api(admin)).json();
    expect(body).toEqual({ count: 1, sessions: [{ account: 'district', ip: '127.0.0.1', since: expect.any(String) }] });
    expect(body.sessions[0].since >= before && body.sessions[0].since <= new Date().toISOString()).toBe(true);
    const page = await statusPage();
    expect(page).toMatch(/<span class="value">1<\/span><span class="label">SFTP sessions now/);
    expect(page).toMatch(/<td class="mono">district<\/td><td class="mono">127\.0\.0\.1<\/td>/);
    // Staff see neither.
    expect((await api(desk)).status).toBe(403);

    await login.end();
    // The server sees the close a moment after the client does.
    for (let i = 0; i < 200 && (await (await api(admin)).json()).count > 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await (await api(admin)).json()).toEqual({ count: 0, sessions: [] });
    expect(await statusPage()).toContain('No one is signed in over SFTP.');
  });

  it('does not list a connection whose login failed', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const client = new ssh2.Client();
      client.on('error', (err) => resolve(err.message));
      client.on('ready', () => (client.end(), resolve('signed in')));
      client.connect({ host: '127.0.0.1', port: sftpPort, username: 'district', password: 'wrong', readyTimeout: 20_000 });
    });
    expect(outcome).toMatch(/authentication/i);
    expect(await (await api(admin)).json()).toEqual({ count: 0, sessions: [] });
  });
});
