// LDAP sign-in against a real slapd (Debian's), started here with its own configuration,
// a test CA, StartTLS required for everything, and seeded users and groups.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LDAP_MAX_IN_FLIGHT } from '../../src/domain/auth/ldap.ts';
import { createTestSite, PASSWORDS, signIn, type TestSite } from '../web/helpers.ts';
import { ADMINS, BIND_DN, BIND_PW, districtLdif, makeTestCa, startSlapd, STAFF, SUFFIX, type Slapd } from './slapd.ts';

/** expect.poll waits for an event here and measures nothing: as long as a slow machine needs. */
const POLL = { timeout: 60_000 };

const dn = (uid: string) => `uid=${uid},ou=people,${SUFFIX}`;

function form(fields: Record<string, string>): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() };
}

function ldapToml(slapd: { url: string; caFile: string }, passwordFile: string): string {
  return `
[web.ldap]
url = "${slapd.url}"
ca_file = "${slapd.caFile}"
bind_dn = "${BIND_DN}"
bind_password_file = "${passwordFile}"
user_base = "ou=people,${SUFFIX}"
user_filter = "(&(objectClass=inetOrgPerson)(uid={username}))"
admin_group = "${ADMINS}"
staff_group = "${STAFF}"
`;
}

describe('LDAP sign-in against slapd over StartTLS', () => {
  let slapd: Slapd;
  let site: TestSite;

  beforeAll(async () => {
    slapd = await startSlapd(districtLdif());
    const passwordFile = join(slapd.dir, 'bind-password');
    writeFileSync(passwordFile, `${BIND_PW}\n`);
    site = await createTestSite(ldapToml(slapd, passwordFile));
  }, 60_000);
  afterAll(async () => {
    await site?.close();
    await slapd?.stop();
  });

  const signInLdap = async (username: string, password = `${username}-pass-123`, ip = '10.1.0.1') => {
    const res = await site.web.request('/login', form({ username, password }), { incoming: { socket: { remoteAddress: ip } } });
    const cookie = res.headers.get('set-cookie')?.split(';')[0];
    return { res, cookie, html: res.status === 303 ? '' : await res.text() };
  };
  const get = (path: string, cookie: string | undefined) => site.web.request(path, { headers: cookie ? { cookie } : {} });

  it('signs in a member of admin_group as admin, named by DN in the audit log and on /admin/staff', async () => {
    const { res, cookie } = await signInLdap('alice');
    expect(res.status).toBe(303);
    expect((await get('/admin/status', cookie)).status).toBe(200);
    expect(site.app.ctx.audit.list({ actor: dn('alice') })[0]).toMatchObject({ action: 'signin', detail: 'ldap' });
    const staffPage = await (await get('/admin/staff', cookie)).text();
    expect(staffPage).toContain(dn('alice'));
    expect(staffPage).toContain('Directory (LDAP)');
  });

  it('signs in a member of staff_group as staff: search yes, admin pages no', async () => {
    const { res, cookie } = await signInLdap('bob');
    expect(res.status).toBe(303);
    expect((await get('/', cookie)).status).toBe(200);
    expect((await get('/admin/status', cookie)).status).toBe(403);
  });

  it('refuses someone in neither group with a plain message, and records who by DN', async () => {
    const { res, html, cookie } = await signInLdap('carol');
    expect(res.status).toBe(403);
    expect(cookie).toBeUndefined();
    expect(html).toContain('not in the idphotos staff or admin group');
    expect(site.app.ctx.audit.list({ actor: dn('carol') })[0]).toMatchObject({ action: 'signin.refused', detail: 'no_group (typed "carol")' });
  });

  it('refuses a wrong password like an unknown user', async () => {
    const wrong = await signInLdap('alice', 'not-her-password');
    const unknown = await signInLdap('zed', 'whatever-1');
    expect(wrong.res.status).toBe(401);
    expect(unknown.res.status).toBe(401);
    expect(wrong.html).toContain('Wrong user name or password.');
    expect(unknown.html).toContain('Wrong user name or password.');
    // An empty password would be an anonymous bind, which slapd accepts: never tried.
    expect((await signInLdap('alice', '')).res.status).toBe(401);
  });

  it.each(['*)(uid=*', '*', 'al*', 'alice)(|(uid=*', 'alice\\2a'])('escapes the user name %j (RFC 4515): refused, not a wildcard', async (name) => {
    const { res, html } = await signInLdap(name, 'alice-pass-123', '10.1.0.9');
    expect(res.status).toBe(401);
    expect(html).toContain('Wrong user name or password.');
    expect(site.app.ctx.audit.list({ actor: name })[0]).toMatchObject({ action: 'signin.refused', detail: 'unknown_user' });
  });

  it('ends the sessions of an account removed from the directory at the next re-check, and refuses it after', async () => {
    const { res, cookie } = await signInLdap('dave');
    expect(res.status).toBe(303);
    const token = cookie!.split('=')[1]!;
    slapd.ldap('ldapdelete', '', [dn('dave')]);
    // Within directory_recheck_minutes the directory's last answer stands…
    expect((await site.app.ctx.auth.authenticate(token))?.username).toBe(dn('dave'));
    // …and once it is older, the directory is asked again and says no.
    const later = new Date(Date.now() + 16 * 60_000);
    expect(await site.app.ctx.auth.authenticate(token, later)).toBeUndefined();
    expect((await get('/', cookie)).status).toBe(303);
    expect(site.app.ctx.audit.list({ actor: dn('dave') })[0]).toMatchObject({ action: 'signin.revoked', detail: 'ldap: removed' });
    expect((await signInLdap('dave')).res.status).toBe(401);
  });

  it('ends the sessions of an account disabled as AD does (userAccountControl ACCOUNTDISABLE) and refuses it after', async () => {
    const { res, cookie } = await signInLdap('erin');
    expect(res.status).toBe(303);
    slapd.ldap('ldapmodify', `dn: ${dn('erin')}\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 514\n`);
    const token = cookie!.split('=')[1]!;
    expect(await site.app.ctx.auth.authenticate(token, new Date(Date.now() + 16 * 60_000))).toBeUndefined();
    expect(site.app.ctx.audit.list({ actor: dn('erin') })[0]).toMatchObject({ action: 'signin.revoked', detail: 'ldap: disabled' });
    const again = await signInLdap('erin');
    expect(again.res.status).toBe(403);
    expect(again.html).toContain('This directory account is disabled.');
    // Without her password, nothing tells that the name is a disabled account: a wrong password, counted.
    const guess = await signInLdap('erin', 'a-guess-1', '10.1.0.77');
    expect(guess.res.status).toBe(401);
    expect(guess.html).toContain('Wrong user name or password.');
    expect(guess.html).not.toContain('disabled');
  });

  it('takes the role away at the re-check when someone leaves the staff group', async () => {
    const { cookie } = await signInLdap('bob');
    slapd.ldap('ldapmodify', `dn: ${STAFF}\nchangetype: modify\ndelete: member\nmember: ${dn('bob')}\n`);
    const token = cookie!.split('=')[1]!;
    expect(await site.app.ctx.auth.authenticate(token, new Date(Date.now() + 16 * 60_000))).toBeUndefined();
    expect((await signInLdap('bob')).res.status).toBe(403);
    slapd.ldap('ldapmodify', `dn: ${STAFF}\nchangetype: modify\nadd: member\nmember: ${dn('bob')}\n`);
    expect((await signInLdap('bob')).res.status).toBe(303);
  });

  it('lets an admin block one person on /admin/staff: their sessions end, sign-in is refused, both audited', async () => {
    const admin = await signIn(site.web, 'admin');
    const bob = await signInLdap('bob');
    expect((await get('/', bob.cookie)).status).toBe(200);
    const id = (site.app.ctx.auth.staff.list().find((s) => s.identity === dn('bob')))!.id;
    const blocked = await site.web.request(`/admin/staff/${id}/block`, { ...form({ _csrf: admin.csrf }), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: admin.cookie } });
    expect(blocked.status).toBe(303);
    expect((await get('/', bob.cookie)).status).toBe(303);
    const again = await signInLdap('bob');
    expect(again.res.status).toBe(403);
    expect(again.html).toContain('blocked this account');
    const block = site.app.ctx.audit.list({ actor: 'admin' }).find((e) => e.action === 'staff.block');
    expect(block?.detail).toMatch(new RegExp(`^ldap ${dn('bob')}; \\d+ session\\(s\\) ended$`));
    expect(await (await get('/admin/staff', admin.cookie)).text()).toContain('by admin');
    await site.web.request(`/admin/staff/${id}/unblock`, { ...form({ _csrf: admin.csrf }), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: admin.cookie } });
    expect((await signInLdap('bob')).res.status).toBe(303);
  });

  it(`holds at most ${LDAP_MAX_IN_FLIGHT} directory sign-ins at once; the rest are refused at once, plainly`, async () => {
    slapd.pause();
    const done: { status: number; html: string; retryAfter: string | null }[] = [];
    let attempts: Promise<void>[] = [];
    try {
      attempts = Array.from({ length: LDAP_MAX_IN_FLIGHT + 4 }, (_, i) =>
        signInLdap('bob', 'bob-pass-123', `10.3.0.${i + 1}`).then(({ res, html }) => {
          done.push({ status: res.status, html, retryAfter: res.headers.get('retry-after') });
        }),
      );
      await expect.poll(() => done.filter((d) => d.status === 429).length, POLL).toBe(4);
    } finally {
      slapd.resume();
    }
    const busy = done.filter((d) => d.status === 429);
    expect(busy.map((d) => [/The directory is busy/.test(d.html), d.retryAfter])).toEqual(Array(4).fill([true, '5']));
    await Promise.all(attempts);
    // The ones held let in once the directory answers (or, on a machine so slow that ldapts's
    // 10-second timeout passed while it was paused, refused as "could not be reached"): none busy.
    const held = done.filter((d) => d.status !== 429).map((d) => d.status);
    expect(held).toHaveLength(LDAP_MAX_IN_FLIGHT);
    expect(held.filter((s) => s !== 303 && s !== 503)).toEqual([]);
    // Busy is not "down": the sign-in page does not blame the directory for it.
    expect(await (await site.web.request('/login')).text()).not.toContain('not working right now');
  });

  it('will not use a directory whose certificate ca_file did not sign', async () => {
    const otherCa = mkdtempSync(join(tmpdir(), 'idphotos-other-ca-'));
    const passwordFile = join(otherCa, 'bind-password');
    writeFileSync(passwordFile, BIND_PW);
    const strict = await createTestSite(ldapToml({ url: slapd.url, caFile: makeTestCa(otherCa).caFile }, passwordFile));
    try {
      const res = await strict.web.request('/login', form({ username: 'alice', password: 'alice-pass-123' }));
      expect(res.status).toBe(503);
      expect(strict.app.ctx.auth.directories?.status.current()[0]?.message).toMatch(/certificate/i);
    } finally {
      await strict.close();
      rmSync(otherCa, { recursive: true, force: true });
    }
  });

  it('keeps local accounts working', async () => {
    const res = await site.web.request('/login', form({ username: 'admin', password: PASSWORDS.admin }));
    expect(res.status).toBe(303);
    const page = await (await site.web.request('/login')).text();
    expect(page).toContain('district (directory) user name');
  });
});

describe('LDAP directory down', () => {
  it('says which provider failed, logs why, and still lets local accounts in', async () => {
    const slapd = await startSlapd(districtLdif());
    const passwordFile = join(slapd.dir, 'bind-password');
    writeFileSync(passwordFile, BIND_PW);
    const site = await createTestSite(ldapToml(slapd, passwordFile));
    try {
      await slapd.stop();
      const res = await site.web.request('/login', form({ username: 'alice', password: 'alice-pass-123' }));
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('The LDAP directory could not be reached');
      expect(await (await site.web.request('/login')).text()).toContain('Sign-in with LDAP is not working right now');
      expect(site.app.ctx.audit.list({ actor: 'alice' })[0]).toMatchObject({ action: 'signin.refused', detail: 'provider_down' });
      expect((await site.web.request('/login', form({ username: 'desk', password: PASSWORDS.desk }))).status).toBe(303);
    } finally {
      await site.close();
    }
  }, 60_000);
});

/**
 * A TCP relay in front of the real slapd that passes the LDAP conversation (StartTLS included)
 * and then holds the connection once the client starts its TLS handshake: a directory, or a
 * middlebox, that says yes to StartTLS and never finishes the handshake.
 */
async function stallingRelay(port: number): Promise<{ url: string; close(): Promise<void> }> {
  const held: Socket[] = [];
  const server = createServer((socket) => {
    const upstream = connect(port, '127.0.0.1');
    held.push(socket, upstream);
    let stalled = false;
    socket.on('data', (chunk: Buffer) => {
      // 0x16: a TLS handshake record; LDAP messages start with 0x30.
      if (chunk[0] === 0x16) stalled = true;
      if (!stalled) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!stalled) socket.write(chunk);
    });
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `ldap://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const s of held) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('LDAP directory that accepts StartTLS and never finishes the handshake', () => {
  it('refuses the sign-in as "could not be reached" instead of holding it for ever, and frees its place', async () => {
    const slapd = await startSlapd(districtLdif());
    const relay = await stallingRelay(slapd.port);
    const passwordFile = join(slapd.dir, 'bind-password');
    writeFileSync(passwordFile, BIND_PW);
    const site = await createTestSite(ldapToml({ url: relay.url, caFile: slapd.caFile }, passwordFile));
    try {
      // Without a deadline this request never answers (the test's own timeout fails it).
      const attempts = await Promise.all(
        Array.from({ length: LDAP_MAX_IN_FLIGHT }, (_, i) => site.web.request('/login', form({ username: 'alice', password: 'alice-pass-123' }), { incoming: { socket: { remoteAddress: `10.4.0.${i + 1}` } } })),
      );
      expect(attempts.map((r) => r.status)).toEqual(Array(LDAP_MAX_IN_FLIGHT).fill(503));
      expect(site.app.ctx.auth.directories?.status.current()[0]?.message).toMatch(/TLS handshake/);
      // Every place was given back: the next attempt is asked of the directory, not refused as busy.
      const next = await site.web.request('/login', form({ username: 'alice', password: 'alice-pass-123' }), { incoming: { socket: { remoteAddress: '10.4.1.1' } } });
      expect(next.status).toBe(503);
      expect(await next.text()).toContain('The LDAP directory could not be reached');
      expect((await site.web.request('/login', form({ username: 'desk', password: PASSWORDS.desk }))).status).toBe(303);
    } finally {
      await site.close();
      await relay.close();
      await slapd.stop();
    }
  }, 120_000);
});

describe('LDAP re-check while strangers hold every sign-in place', () => {
  it('still asks the directory (a disabled account loses its session), never "busy, stay in"', async () => {
    const slapd = await startSlapd(districtLdif());
    const passwordFile = join(slapd.dir, 'bind-password');
    writeFileSync(passwordFile, BIND_PW);
    const site = await createTestSite(ldapToml(slapd, passwordFile));
    const signInLdap = async (username: string, ip: string): Promise<Response> =>
      site.web.request('/login', form({ username, password: `${username}-pass-123` }), { incoming: { socket: { remoteAddress: ip } } });
    try {
      const erin = await signInLdap('erin', '10.5.0.1');
      expect(erin.status).toBe(303);
      const token = erin.headers.get('set-cookie')!.split(';')[0]!.split('=')[1]!;
      // The district disables the leaver…
      slapd.ldap('ldapmodify', `dn: ${dn('erin')}\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 514\n`);
      // …who keeps every sign-in place full (the directory slow, here paused).
      slapd.pause();
      const statuses: number[] = [];
      const attempts = Array.from({ length: LDAP_MAX_IN_FLIGHT + 4 }, (_, i) => signInLdap('erin', `10.5.1.${i + 1}`).then((r) => void statuses.push(r.status)));
      let recheck: Promise<unknown> | undefined;
      try {
        await expect.poll(() => statuses.filter((s) => s === 429).length, POLL).toBe(4);
        recheck = site.app.ctx.auth.authenticate(token, new Date(Date.now() + 16 * 60_000));
      } finally {
        slapd.resume();
      }
      expect(await recheck).toBeUndefined();
      expect(site.app.ctx.audit.list({ actor: dn('erin') }).find((e) => e.action === 'signin.revoked')).toBeDefined();
      await Promise.all(attempts);
    } finally {
      await site.close();
      await slapd.stop();
    }
  }, 120_000);
});
