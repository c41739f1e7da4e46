import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeNext } from '../../src/web/routes/auth.tsx';
import { PASSWORDS, createTestSite, signIn, type TestSite } from './helpers.ts';

let site: TestSite;
beforeAll(async () => {
  site = await createTestSite();
});
afterAll(async () => site?.close());

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

describe('web hardening found in review', () => {
  it('refuses an oversized sign-in body with 413 before reading it, and other oversized bodies too', async () => {
    const huge = await site.web.request('/login', form({ username: 'admin', password: 'x'.repeat(64 * 1024) }));
    expect(huge.status).toBe(413);
    const { cookie, csrf } = await signIn(site.web, 'admin');
    const api = await site.web.request('/api/imports/1/approve', {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(api.status).toBe(413);
    expect(await api.json()).toMatchObject({ error: { code: 'too_large' } });
  });

  it.each(['/\t/evil.example/x', '/\n/evil.example', '/\\evil.example', '/\r\n//evil.example', '//evil.example', 'https://evil.example'])(
    'never redirects off the site after sign-in: %j',
    (next) => expect(safeNext(next)).toBe('/'),
  );

  it('keeps a path on the site as the place to go after sign-in', async () => {
    expect(safeNext('/users/S1?x=1')).toBe('/users/S1?x=1');
    const res = await site.web.request(`/login?next=${encodeURIComponent('/\t/evil.example/x')}`, { headers: { cookie: (await signIn(site.web, 'desk')).cookie } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
  });

  it('signs in as another account from a browser that still holds a session', async () => {
    const desk = await signIn(site.web, 'desk');
    const res = await site.web.request('/login', { ...form({ username: 'admin', password: PASSWORDS.admin }), headers: { ...form({}).headers, cookie: desk.cookie } });
    expect(res.status).toBe(303);
    const admin = res.headers.get('set-cookie')!.split(';')[0]!;
    expect((await site.web.request('/admin/status', { headers: { cookie: admin } })).status).toBe(200);
  });
});
