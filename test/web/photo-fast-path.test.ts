import { createServer, type RequestListener, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoFastPath } from '../../src/web/photo-fast-path.ts';
import { startRig, type Rig } from '../rig.ts';
import { addUsers, SITE_ACCOUNTS, signIn, type Session } from './helpers.ts';
import { portraitJpeg } from './portraits.ts';

/**
 * The fast path for signed-in display images (web/photo-fast-path.ts), over real HTTP: the
 * appliance's own web port, and a second server on port 0 whose fallback counts what the fast
 * path handed to the full chain, so each case shows which of the two answered.
 */
describe('GET /photos/{id} fast path', () => {
  let rig: Rig;
  let desk: Session;
  let admin: Session;
  let probe: Server;
  let probeBase: string;
  let handedOver: string[];

  const photo = (base: string, path: string, s: Session | undefined, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { redirect: 'manual', headers: { ...(s ? { cookie: s.cookie } : {}), ...headers } });
  const views = (localId: string) =>
    rig.app.ctx.audit.list({}).filter((e) => e.action === 'photo.view' && e.local_id === localId);
  const addPhoto = async (localId: string, seed: number) => {
    const file = join(rig.dir, `${localId}.jpg`);
    writeFileSync(file, await portraitJpeg(seed));
    await rig.app.ctx.photos.addFile(file, { account: 'district' });
  };

  beforeAll(async () => {
    rig = await startRig({
      prefix: 'idphotos-fast-',
      logLevel: 'silent',
      listen: true,
      webAccounts: SITE_ACCOUNTS,
      stopGraceMs: 100,
    });
    addUsers(rig.db, [
      { local_id: 'F1', first_name: 'Ana', last_name: 'Fast' },
      { local_id: 'F2', first_name: 'Ben', last_name: 'Fast' },
      { local_id: 'F3', first_name: 'Cy', last_name: 'Fast' },
      { local_id: 'F4', first_name: 'Di', last_name: 'Fast' },
      { local_id: 'F5', first_name: 'Ed', last_name: 'Fast' },
    ]);
    for (const [i, id] of ['F1', 'F2', 'F3', 'F4'].entries()) await addPhoto(id, i + 1);
    desk = await signIn(rig.web, 'desk');
    admin = await signIn(rig.web, 'admin');
    const hono = getRequestListener(rig.web.fetch) as RequestListener;
    handedOver = [];
    probe = createServer(
      photoFastPath(rig.app.ctx, (req, res) => {
        handedOver.push(req.url!);
        return hono(req, res);
      }),
    );
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    probeBase = `http://127.0.0.1:${(probe.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => probe?.close(resolve));
    await rig?.close();
  });

  it('answers a signed-in display image itself, with the headers, bytes and audit entry of the route', async () => {
    handedOver.length = 0;
    const fast = await photo(probeBase, '/photos/F1?size=thumb', desk);
    expect(handedOver).toEqual([]);
    expect(fast.status).toBe(200);
    expect(fast.headers.get('content-type')).toBe('image/jpeg');
    expect(fast.headers.get('cache-control')).toBe('private, no-cache');
    expect(fast.headers.get('x-content-type-options')).toBe('nosniff');
    expect(fast.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(fast.headers.get('x-photo')).toBeNull();
    const body = Buffer.from(await fast.arrayBuffer());
    expect(body.subarray(0, 2).toString('hex')).toBe('ffd8');

    // The full chain (app.request, no fast path) answers the same bytes under the same ETag.
    const slow = await rig.web.request('/photos/F1?size=thumb', { headers: { cookie: desk.cookie } });
    expect(slow.headers.get('etag')).toBe(fast.headers.get('etag'));
    expect(Buffer.from(await slow.arrayBuffer()).equals(body)).toBe(true);

    // The appliance's own port has the fast path in front too.
    const served = await photo(rig.base!, '/photos/F1?size=thumb', desk);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(body)).toBe(true);

    const entries = views('F1');
    expect(entries.length).toBe(1);
    expect(entries[0]).toMatchObject({ actor: 'desk', local_id: 'F1', detail: 'thumb', ip: '127.0.0.1' });
  });

  it('answers 304 to a matching If-None-Match, and counts it as a view', async () => {
    const first = await photo(probeBase, '/photos/F2', desk);
    const etag = first.headers.get('etag')!;
    await first.arrayBuffer();
    handedOver.length = 0;
    const again = await photo(probeBase, '/photos/F2', desk, { 'if-none-match': `W/${etag}` });
    expect(handedOver).toEqual([]);
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('cache-control')).toBe('private, no-cache');
    expect(views('F2').length).toBe(1);
  });

  it('hands signed-out, unknown-session and unusual requests to the full chain, which refuses them', async () => {
    handedOver.length = 0;
    const signedOut = await photo(probeBase, '/photos/F1', undefined);
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get('location')).toBe('/login?next=%2Fphotos%2FF1');
    const forged = await photo(probeBase, '/photos/F1', { cookie: 'idphotos_session=not-a-session', csrf: '' });
    expect(forged.status).toBe(303);
    // A kept version is for admins only.
    const version = await photo(probeBase, '/photos/F1?version=1', desk);
    expect(version.status).toBe(403);
    const badSize = await photo(probeBase, '/photos/F1?size=huge', desk);
    expect(badSize.status).toBe(400);
    const unknown = await photo(probeBase, '/photos/NOPE', desk);
    expect(unknown.status).toBe(404);
    const bearer = await photo(probeBase, '/photos/F1', desk, { authorization: 'Bearer not-a-token' });
    expect(bearer.status).toBe(401);
    expect(handedOver).toEqual(['/photos/F1', '/photos/F1', '/photos/F1?version=1', '/photos/F1?size=huge', '/photos/NOPE', '/photos/F1']);
    expect(views('NOPE').length).toBe(0);
  });

  it('refuses a session that was signed out, at once', async () => {
    const s = await signIn(rig.web, 'desk');
    expect((await photo(probeBase, '/photos/F3', s)).status).toBe(200);
    const out = await rig.web.request('/logout', {
      method: 'POST',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: s.csrf }).toString(),
    });
    expect(out.status).toBe(303);
    expect((await photo(probeBase, '/photos/F3', s)).status).toBe(303);
    expect((await photo(rig.base!, '/photos/F3', s)).status).toBe(303);
  });

  it('refuses a blocked person at once, and again once unblocked they sign in anew', async () => {
    const s = await signIn(rig.web, 'desk');
    expect((await photo(probeBase, '/photos/F3?size=full', s)).status).toBe(200);
    const person = rig.app.ctx.auth.staff.list().find((p) => p.identity === 'desk')!;
    const res = await rig.web.request(`/admin/staff/${person.id}/block`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: admin.csrf }).toString(),
    });
    expect(res.status).toBe(303);
    handedOver.length = 0;
    expect((await photo(probeBase, '/photos/F3?size=full', s)).status).toBe(303);
    expect((await photo(rig.base!, '/photos/F3?size=full', s)).status).toBe(303);
    expect(handedOver).toEqual(['/photos/F3?size=full']);
    rig.app.ctx.auth.staff.setBlocked(person.id, false, { identity: 'admin', method: 'local' });
    desk = await signIn(rig.web, 'desk');
    expect((await photo(probeBase, '/photos/F3?size=full', desk)).status).toBe(200);
  });

  it('refuses a session that idled out', async () => {
    const s = await signIn(rig.web, 'desk');
    expect((await photo(probeBase, '/photos/F3', s)).status).toBe(200);
    rig.db.run("UPDATE web_sessions SET last_seen_at = '2000-01-01T00:00:00.000Z'");
    // A session row read from the database is reused for a second (domain/auth/sessions.ts).
    await new Promise((r) => setTimeout(r, 1100));
    expect((await photo(probeBase, '/photos/F3', s)).status).toBe(303);
    desk = await signIn(rig.web, 'desk');
    admin = await signIn(rig.web, 'admin');
  });

  it('shows the placeholder to staff once a person opts out (and audits no view), the photo to admins', async () => {
    const before = await photo(probeBase, '/photos/F4?size=profile', desk);
    const photoBytes = Buffer.from(await before.arrayBuffer());
    expect(before.headers.get('x-photo')).toBeNull();
    rig.db.run("UPDATE users SET opt_out = 1 WHERE local_id = 'F4'");
    const viewsBefore = views('F4').length;
    handedOver.length = 0;
    const withheld = await photo(probeBase, '/photos/F4?size=profile', desk);
    expect(withheld.status).toBe(200);
    expect(withheld.headers.get('x-photo')).toBe('withheld');
    expect(withheld.headers.get('etag')).toMatch(/^"withheld-/);
    expect(Buffer.from(await withheld.arrayBuffer()).equals(photoBytes)).toBe(false);
    // The browser's copy of the photo is no longer current: a 200 with the placeholder, not a 304.
    const revalidated = await photo(probeBase, '/photos/F4?size=profile', desk, { 'if-none-match': before.headers.get('etag')! });
    expect(revalidated.status).toBe(200);
    expect(revalidated.headers.get('x-photo')).toBe('withheld');
    expect(views('F4').length).toBe(viewsBefore);
    const seen = await photo(probeBase, '/photos/F4?size=profile', admin);
    expect(seen.headers.get('x-photo')).toBeNull();
    expect(Buffer.from(await seen.arrayBuffer()).equals(photoBytes)).toBe(true);
    expect(handedOver).toEqual([]);
    rig.db.run("UPDATE users SET opt_out = 0 WHERE local_id = 'F4'");
  });

  it('serves a replaced photo at once and a purged one no more, though the bytes are cached', async () => {
    const first = await photo(probeBase, '/photos/F5?size=thumb', desk);
    expect(first.headers.get('x-photo')).toBe('placeholder');
    await first.arrayBuffer();
    await addPhoto('F5', 11);
    const one = await photo(probeBase, '/photos/F5?size=thumb', desk);
    const oneBytes = Buffer.from(await one.arrayBuffer());
    expect(one.headers.get('x-photo')).toBeNull();
    await addPhoto('F5', 12);
    const two = await photo(probeBase, '/photos/F5?size=thumb', desk);
    const twoBytes = Buffer.from(await two.arrayBuffer());
    expect(two.headers.get('etag')).not.toBe(one.headers.get('etag'));
    expect(twoBytes.equals(oneBytes)).toBe(false);
    rig.app.ctx.photos.purge('F5');
    const gone = await photo(probeBase, '/photos/F5?size=thumb', desk);
    expect(gone.headers.get('x-photo')).toBe('placeholder');
    expect(Buffer.from(await gone.arrayBuffer()).equals(twoBytes)).toBe(false);
    expect((await photo(probeBase, '/photos/F5?size=thumb', desk, { 'if-none-match': two.headers.get('etag')! })).status).toBe(200);
  });
});
