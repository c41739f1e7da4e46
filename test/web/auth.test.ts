import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuth } from '../../src/domain/auth/auth.ts';
import { hashPassword } from '../../src/shared/passwords.ts';
import { openStorage } from '../../src/storage/index.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/domain/auth/sessions.ts';
import { sessionToken } from '../../src/web/middleware/session.ts';
import { createTestSite, PASSWORDS, signIn, type TestSite } from './helpers.ts';

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

describe('session cookie', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['idphotos_session=abc', 'abc'],
    ['theme=dark; idphotos_session=abc-_1; x=1', 'abc-_1'],
    ['x_idphotos_session=evil; idphotos_session=good', 'good'],
    ['x_idphotos_session=evil', undefined],
    ['idphotos_session=', undefined],
  ])('reads %j as %j', (header, token) => {
    expect(sessionToken(header)).toBe(token);
  });
});

describe('behind a reverse proxy that ends TLS (web.public_url https)', () => {
  it('sets the Secure flag though the appliance itself is reached over plain HTTP, so the cookie never goes out in the clear', async () => {
    const site = await createTestSite('public_url = "https://photos.district.example"');
    try {
      const { webPort } = await site.app.start();
      const res = await fetch(`http://127.0.0.1:${webPort}/login`, { ...form({ username: 'desk', password: PASSWORDS.desk }), redirect: 'manual' });
      expect(res.status).toBe(303);
      const cookie = res.headers.get('set-cookie')!;
      expect(cookie).toMatch(/^idphotos_session=/);
      expect(cookie).toContain('Secure');
    } finally {
      await site.close();
    }
  });
});

describe('sign-in, sessions and CSRF', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await createTestSite('login_max_failures = 3\nlogin_window_seconds = 600\nsession_idle_minutes = 30');
  });
  afterAll(() => site.close());

  it('POST /login sets an HttpOnly, SameSite=Lax session cookie and redirects to the page asked for', async () => {
    const res = await site.web.request('/login', form({ username: 'desk', password: PASSWORDS.desk, next: '/search?q=a' }));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/search?q=a');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^idphotos_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).not.toContain('Secure');
    // Only the hash of the cookie value is stored.
    const token = /^idphotos_session=([^;]+)/.exec(cookie)![1]!;
    expect(site.db.get('SELECT 1 AS x FROM web_sessions WHERE id_hash = ?', token)).toBeUndefined();
    expect(site.db.get('SELECT 1 AS x FROM web_sessions WHERE id_hash = ?', hashToken(token))).toEqual({ x: 1 });
  });

  it('sets the Secure flag when served over TLS', async () => {
    const res = await site.web.request('https://viewer.example/login', form({ username: 'desk', password: PASSWORDS.desk }));
    expect(res.headers.get('set-cookie')).toContain('Secure');
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000');
  });

  it('never redirects off the site after sign-in', async () => {
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const res = await site.web.request('/login', form({ username: 'desk', password: PASSWORDS.desk, next }));
      expect(res.headers.get('location')).toBe('/');
    }
  });

  it('refuses a wrong password with the same message as an unknown user, and records both', async () => {
    const env = { incoming: { socket: { remoteAddress: '10.9.9.1' } } };
    const wrong = await site.web.request('/login', form({ username: 'desk', password: 'nope' }), env);
    const unknown = await site.web.request('/login', form({ username: 'nobody', password: 'nope' }), env);
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.text()).toContain('Wrong user name or password.');
    expect(await unknown.text()).toContain('Wrong user name or password.');
    const refused = site.app.ctx.audit.list({ actor: 'nobody' });
    expect(refused[0]).toMatchObject({ action: 'signin.refused', detail: 'unknown_user', ip: '10.9.9.1' });
  });

  it('limits failed sign-ins per address, not per account', async () => {
    const attacker = { incoming: { socket: { remoteAddress: '10.0.0.66' } } };
    const owner = { incoming: { socket: { remoteAddress: '10.0.0.7' } } };
    for (let i = 0; i < 3; i++) {
      expect((await site.web.request('/login', form({ username: 'admin', password: `guess${i}` }), attacker)).status).toBe(401);
    }
    const limited = await site.web.request('/login', form({ username: 'admin', password: PASSWORDS.admin }), attacker);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.text()).toContain('Too many failed sign-ins from this address');
    const fromOwner = await site.web.request('/login', form({ username: 'admin', password: PASSWORDS.admin }), owner);
    expect(fromOwner.status).toBe(303);
  });

  it('sends signed-out page requests to /login and answers the API with JSON 401', async () => {
    const page = await site.web.request('/users/S1');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login?next=%2Fusers%2FS1');
    const api = await site.web.request('/api/users/S1');
    expect(api.status).toBe(401);
    expect(await api.json()).toEqual({ error: { code: 'unauthorized', message: 'Sign in to see this.' } });
    const photo = await site.web.request('/photos/S1?size=thumb');
    expect(photo.status).toBe(303);
  });

  it('keeps staff out of admin pages and admin API (403), lets admins in', async () => {
    const staff = await signIn(site.web, 'desk');
    const admin = await signIn(site.web, 'admin');
    for (const path of ['/admin/imports', '/admin/photos', '/admin/audit', '/admin/status', '/admin']) {
      const res = await site.web.request(path, { headers: { cookie: staff.cookie } });
      expect(res.status, path).toBe(403);
      expect(await res.text()).toContain('for idphotos administrators');
    }
    const api = await site.web.request('/api/imports', { headers: { cookie: staff.cookie } });
    expect(api.status).toBe(403);
    expect((await api.json()).error.code).toBe('forbidden');
    for (const path of ['/admin/audit', '/admin/status']) {
      expect((await site.web.request(path, { headers: { cookie: admin.cookie } })).status, path).toBe(200);
    }
  });

  it('refuses a state-changing request without the CSRF token, or from another site', async () => {
    const s = await signIn(site.web, 'desk');
    const noToken = await site.web.request('/logout', { method: 'POST', headers: { cookie: s.cookie } });
    expect(noToken.status).toBe(403);
    expect(await noToken.text()).toContain('missing its security token');
    const wrongToken = await site.web.request('/logout', {
      ...form({ _csrf: 'x'.repeat(43) }),
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(wrongToken.status).toBe(403);
    const apiNoToken = await site.web.request('/api/anything', { method: 'POST', headers: { cookie: s.cookie } });
    expect(apiNoToken.status).toBe(403);
    expect((await apiNoToken.json()).error.message).toContain('security token');
    const crossSite = await site.web.request('http://localhost/logout', {
      ...form({ _csrf: s.csrf }),
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', host: 'localhost' },
    });
    expect(crossSite.status).toBe(403);
    const crossSiteLogin = await site.web.request('http://localhost/login', {
      ...form({ username: 'desk', password: PASSWORDS.desk }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', host: 'localhost' },
    });
    expect(crossSiteLogin.status).toBe(403);
    // The session survived all of that; with the token in a header the API accepts it past CSRF.
    expect((await site.web.request('/', { headers: { cookie: s.cookie } })).status).toBe(200);
    const withHeader = await site.web.request('/api/anything', { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
    expect(withHeader.status).toBe(404);
  });

  it('signs out: the session is gone from the database and the cookie no longer works', async () => {
    const s = await signIn(site.web, 'desk');
    const before = site.app.ctx.auth.sessions.count();
    const res = await site.web.request('/logout', {
      ...form({ _csrf: s.csrf }),
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?signed_out');
    expect(res.headers.get('set-cookie')).toMatch(/idphotos_session=;.*Max-Age=0/);
    expect(site.app.ctx.auth.sessions.count()).toBe(before - 1);
    expect((await site.web.request('/', { headers: { cookie: s.cookie } })).status).toBe(303);
  });

  it('ends a session left idle longer than session_idle_minutes', async () => {
    const s = await signIn(site.web, 'desk');
    const token = s.cookie.split('=')[1]!;
    const auth = site.app.ctx.auth;
    expect((await auth.authenticate(token, new Date(Date.now() + 29 * 60_000)))?.username).toBe('desk');
    // Used 29 minutes later, so the idle clock restarted then.
    expect((await auth.authenticate(token, new Date(Date.now() + 58 * 60_000)))?.username).toBe('desk');
    expect((await auth.authenticate(token, new Date(Date.now() + 89 * 60_000)))).toBeUndefined();
    expect(site.db.get('SELECT 1 AS x FROM web_sessions WHERE id_hash = ?', hashToken(token))).toBeUndefined();
    expect((await site.web.request('/', { headers: { cookie: s.cookie } })).status).toBe(303);
  });

  it('ends a session idle in the database even if this process read it a moment ago', async () => {
    const s = await signIn(site.web, 'desk');
    const token = s.cookie.split('=')[1]!;
    site.db.run('UPDATE web_sessions SET last_seen_at = ? WHERE id_hash = ?', new Date(Date.now() - 31 * 60_000).toISOString(), hashToken(token));
    // The row read a moment ago may be reused for up to a second; after that the database decides.
    expect((await site.app.ctx.auth.authenticate(token, new Date(Date.now() + 1500)))).toBeUndefined();
    expect((await site.web.request('/', { headers: { cookie: s.cookie } })).status).toBe(303);
  });

  it('answers with a strict CSP and no caching of pages', async () => {
    const s = await signIn(site.web, 'desk');
    const res = await site.web.request('/', { headers: { cookie: s.cookie } });
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).not.toMatch(/<script>(?!<\/script>)/);
    expect(html.startsWith('<!doctype html>')).toBe(true);
  });

  it('serves the stylesheet with a versioned URL cached for a year, and 304 on a matching ETag', async () => {
    const s = await signIn(site.web, 'desk');
    const html = await (await site.web.request('/', { headers: { cookie: s.cookie } })).text();
    const href = /href="(\/assets\/style\.css\?v=[0-9a-f]+)"/.exec(html)![1]!;
    const css = await site.web.request(href);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
    expect(css.headers.get('cache-control')).toContain('immutable');
    const again = await site.web.request(href, { headers: { 'if-none-match': css.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });
});

describe('sessions and password changes', () => {
  it('ends the sessions of an account whose password_hash changed, and keeps the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idphotos-auth-'));
    const storage = openStorage(join(dir, 'idphotos.db'));
    try {
      const web = { session_idle_minutes: 60, login_max_failures: 10, login_window_seconds: 600 };
      const [oldHash, newHash, deskHash] = await Promise.all([hashPassword('old-pass-1'), hashPassword('new-pass-2'), hashPassword('desk-pass-3')]);
      const desk = { username: 'desk', password_hash: deskHash, role: 'staff' as const };
      const before = createAuth(storage, web, [{ username: 'admin', password_hash: oldHash, role: 'admin' }, desk]);
      const meta = { ip: '127.0.0.1', userAgent: 'test' };
      const admin = await before.signIn('admin', 'old-pass-1', meta);
      const staff = await before.signIn('desk', 'desk-pass-3', meta);
      expect((await before.authenticate(admin.token))?.username).toBe('admin');

      // The leaked admin password is rotated in appliance.toml and the appliance restarted.
      const after = createAuth(storage, web, [{ username: 'admin', password_hash: newHash, role: 'admin' }, desk]);
      expect(await after.authenticate(admin.token)).toBeUndefined();
      expect((await after.authenticate(staff.token))?.username).toBe('desk');
      const again = await after.signIn('admin', 'new-pass-2', meta);
      expect((await after.authenticate(again.token))?.role).toBe('admin');
    } finally {
      storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
