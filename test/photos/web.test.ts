import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLUE, RED, centreColour, closeTo, insertUser, jpeg } from './helpers.ts';
import { createSite, signIn, type Session, type Site } from './site.ts';
import { databaseOf } from '../../src/storage/index.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('photo web routes', () => {
  let site: Site;
  let admin: Session;
  let desk: Session;
  let first: Buffer;
  let second: Buffer;

  const get = (path: string, session: Session, headers: Record<string, string> = {}) => site.web.request(path, { headers: { cookie: session.cookie, ...headers } });
  const add = async (name: string, bytes: Buffer) => {
    const file = join(site.dir, name);
    writeFileSync(file, bytes);
    return site.app.ctx.photos.addFile(file, { account: 'district' });
  };

  beforeAll(async () => {
    site = await createSite();
    admin = await signIn(site.web, 'admin');
    desk = await signIn(site.web, 'desk');
    insertUser(databaseOf(site.app.storage), 'S12345', 'Jane', 'Doe');
    insertUser(databaseOf(site.app.storage), 'S55555', 'No', 'Photo');
    first = await jpeg(600, 800, RED);
    second = await jpeg(300, 400, BLUE);
    await add('S12345.jpg', first);
    await add('S12345.png', await sharp(second).png().toBuffer());
    await add('s12345.jpg', await jpeg(60, 80));
    writeFileSync(join(site.dir, 'S2.jpg'), 'not an image at all');
    await site.app.ctx.photos.addFile(join(site.dir, 'S2.jpg'), { account: 'district' }).catch(() => undefined);
  });
  afterAll(() => site.close());

  it('GET /photos/:localid serves the display size with ETag, private caching and 304', async () => {
    for (const [size, height] of [['thumb', 96], ['profile', 240], ['full', 400]] as const) {
      const res = await get(`/photos/S12345?size=${size}`, desk);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect(res.headers.get('cache-control')).toMatch(/^private/);
      expect(res.headers.get('x-photo')).toBeNull();
      const bytes = Buffer.from(await res.arrayBuffer());
      expect((await sharp(bytes).metadata()).height).toBe(height);
      expect(closeTo(await centreColour(bytes), BLUE)).toBe(true);
    }
    const res = await get('/photos/S12345', desk);
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^".+-profile-r\d+"$/);
    const again = await get('/photos/S12345', desk, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await get('/photos/S12345?size=thumb', desk, { 'if-none-match': etag })).status).toBe(200);
  });

  it('photo responses carry nosniff and same-origin CORP, a view is audited (also as a 304), errors get the page headers', async () => {
    const views = () => site.app.ctx.audit.list({ localId: 'S12345', actor: 'admin' }).filter((e) => e.action === 'photo.view' && e.detail === 'full');
    expect(views()).toHaveLength(0);
    const res = await get('/photos/S12345?size=full', admin);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(views()).toHaveLength(1);
    // A browser that has the thumbnail already (ETags differ by size only) still views it.
    const thumbEtag = res.headers.get('etag')!.replace('-full-', '-thumb-');
    const again = await get('/photos/S12345?size=thumb', admin, { 'if-none-match': thumbEtag });
    expect(again.status).toBe(304);
    expect(again.headers.get('cache-control')).toBe('private, no-cache');
    expect(again.headers.get('x-content-type-options')).toBe('nosniff');
    expect(site.app.ctx.audit.list({ localId: 'S12345', actor: 'admin' }).filter((e) => e.action === 'photo.view' && e.detail === 'thumb')).toHaveLength(1);
    const missing = await get('/photos/NOBODY', desk);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(missing.headers.get('cache-control')).toBe('no-store');
  });

  it('a known user without a photo gets the placeholder; an unknown Local ID is 404; signed out is refused', async () => {
    const res = await get('/photos/S55555?size=thumb', desk);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-photo')).toBe('placeholder');
    expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).height).toBe(96);
    expect((await get('/photos/NOBODY', desk)).status).toBe(404);
    expect((await get('/photos/S12345?size=huge', desk)).status).toBe(400);
    const anonymous = await site.web.request('/photos/S12345');
    expect([302, 303, 401]).toContain(anonymous.status);
    expect(anonymous.headers.get('content-type') ?? '').not.toMatch(/image/);
  });

  it('GET /api/users/:localid returns the user with the photo contract', async () => {
    const res = await get('/api/users/S12345', desk);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ local_id: 'S12345', first_name: 'Jane', last_name: 'Doe', role: 'student', active: true });
    expect(Object.keys(body.photo).sort()).toEqual(['height', 'source_sha256', 'updated_at', 'versions', 'width']);
    expect(body.photo).toMatchObject({ width: 300, height: 400, versions: 2 });
    expect(body.photo.source_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(body.photo.source_sha256).not.toBe(sha256(first));
    expect((await (await get('/api/users/S55555', desk)).json()).photo).toBeNull();
    const missing = await get('/api/users/NOBODY', desk);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('not_found');
  });

  it('admins list unmatched photos with hints and refused uploads with reasons; staff may not', async () => {
    const unmatched = await (await get('/api/photos/unmatched', admin)).json();
    expect(unmatched).toEqual([
      expect.objectContaining({ file_name: 's12345.jpg', local_id: 's12345', account: 'district', reason: 'no user has Local ID "s12345" — did you mean S12345?', hints: [expect.objectContaining({ kind: 'case', local_id: 'S12345' })] }),
    ]);
    expect(unmatched[0].time).toMatch(/^\d{4}-\d\d-\d\dT/);
    const rejected = await (await get('/api/photos/rejected', admin)).json();
    expect(rejected).toEqual([expect.objectContaining({ file_name: 'S2.jpg', account: 'district', origin: 'cli', reason: 'the file is not an image (it starts with text)', hints: [] })]);
    expect((await get('/api/photos/unmatched', desk)).status).toBe(403);
    expect((await get('/api/photos/rejected', desk)).status).toBe(403);
    // The page asks the question once and says why beside a link to the candidate.
    const page = await (await get('/admin/photos', admin)).text();
    expect(page.match(/did you mean S12345\?/g)).toHaveLength(1);
    expect(page).toContain('<a href="/users/S12345">S12345</a>: differs only by upper/lower case');
  });

  it('an admin restores a kept version (CSRF token required); the photo switches at once', async () => {
    expect((await get('/api/photo-versions/S12345', desk)).status).toBe(403);
    const versions = await (await get('/api/photo-versions/S12345', admin)).json();
    expect(versions.map((v: { file_name: string; current: boolean }) => [v.file_name, v.current])).toEqual([['S12345.png', true], ['S12345.jpg', false]]);
    const post = (session: Session, body: unknown, token?: string) =>
      site.web.request('/api/photos/S12345/restore', {
        method: 'POST',
        headers: { cookie: session.cookie, 'content-type': 'application/json', ...(token ? { 'x-csrf-token': token } : {}) },
        body: JSON.stringify(body),
      });
    expect((await post(admin, { version: versions[1].version_id })).status).toBe(403);
    expect((await post(desk, { version: versions[1].version_id }, desk.csrf)).status).toBe(403);
    expect((await post(admin, { version: 999999 }, admin.csrf)).status).toBe(404);
    const ok = await post(admin, { version: versions[1].version_id }, admin.csrf);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ source_sha256: sha256(first), width: 600, height: 800, versions: 2 });
    const bytes = Buffer.from(await (await get('/photos/S12345?size=full', desk)).arrayBuffer());
    expect(closeTo(await centreColour(bytes), RED)).toBe(true);
    // An admin can look at a kept version before restoring it.
    const old = await get(`/photos/S12345?size=thumb&version=${versions[0].version_id}`, admin);
    expect(closeTo(await centreColour(Buffer.from(await old.arrayBuffer())), BLUE)).toBe(true);
    // Staff see the current photo only: an earlier one may have been someone else's.
    expect((await get(`/photos/S12345?size=thumb&version=${versions[0].version_id}`, desk)).status).toBe(403);
  });

  it("an admin's profile view says which uploads meant for the person are not its photo, and why", async () => {
    const text = async (path: string, session: Session) => (await (await get(path, session)).text()).replace(/<[^>]+>/g, '').replaceAll('&#39;', "'");
    const refuse = (name: string) => {
      writeFileSync(join(site.dir, name), 'not an image either');
      return site.app.ctx.photos.addFile(join(site.dir, name), { account: 'district' }).catch(() => undefined);
    };
    await refuse('S55555.jpg');
    const none = await text('/users/S55555', admin);
    expect(none).toContain('This person has no photo yet. Upload S55555.jpg to /incoming/idphotos/.');
    expect(none).toMatch(/S55555\.jpg from district was refused: the file is not an image \(it starts with text\)/);

    const jane = await text('/users/S12345', admin);
    expect(jane).toMatch(/s12345\.jpg from district is kept unmatched \(\s*differs only by upper\/lower case\): if it is this person's, upload it again as S12345\s*\.jpg/);
    expect(jane).not.toContain('was refused');
    // A refusal after the current photo is news; once a newer photo is stored, it is not.
    await refuse('S12345.gif');
    expect(await text('/users/S12345', admin)).toContain('S12345.gif from district was refused');
    await add('S12345.jpg', await jpeg(120, 160));
    expect(await text('/users/S12345', admin)).not.toContain('was refused');
    expect(await text('/users/S12345', desk)).not.toContain('Uploads that are not this photo');
  });
});
