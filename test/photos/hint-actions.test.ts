import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebApp } from '../../src/web/app.ts';
import { signInAs } from '../web/helpers.ts';
import { PASSWORD, photo, sftpBatch, startHarness, tempDir, type Harness } from '../sftp/harness.ts';

let h: Harness;
let local: string;

beforeAll(async () => {
  h = await startHarness('[roster]\nquiet_seconds = 0');
  local = tempDir('idphotos-hints-');
  writeFileSync(join(local, 'students.csv'), 'Local ID,First Name,Last Name\r\nS1,Ann,Lee\r\n100002,Bo,Day\r\n');
  writeFileSync(join(local, 's1.jpg'), await photo(11));
  writeFileSync(join(local, '0100002.jpg'), await photo(12));
  const res = await sftpBatch(h, ['put students.csv /incoming/data/', 'cd /incoming/idphotos', 'put s1.jpg', 'put 0100002.jpg'], local);
  expect(res.code).toBe(0);
  await h.app.ctx.imports.idle();
});
afterAll(async () => h?.stop());

describe('near-miss hints fixed from the web', () => {
  it('applies a hint: the unmatched upload becomes the suggested person\'s photo, audited, its history kept', async () => {
    const web = createWebApp(h.app.ctx);
    const { cookie, csrf } = await signInAs(web, 'admin', PASSWORD);
    // NB: an unmatched upload is listed once its display images are rendered, just after the upload closes.
    await expect.poll(() => h.app.ctx.photos.unmatched().map((u) => u.file_name).sort(), { timeout: 30_000 }).toEqual(['0100002.jpg', 's1.jpg']);
    expect(await (await web.request('/admin/photos', { headers: { cookie } })).text()).toContain("Use as S1&#39;s photo");
    expect(h.app.ctx.photos.photo('S1')).toBeNull();

    const post = (action: string, body: Record<string, string>) =>
      web.request(`/admin/photos/hints/${action}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': csrf },
        body: new URLSearchParams({ ...body, _csrf: csrf }).toString(),
      });
    // A Local ID that is not a hint for the file is refused; nothing changes.
    expect((await post('apply', { file: 's1.jpg', local_id: '100002' })).status).toBe(409);
    const applied = await post('apply', { file: 's1.jpg', local_id: 'S1' });
    expect(applied.status).toBe(303);
    expect(applied.headers.get('location')).toBe('/admin/photos?done=applied&file=s1.jpg&local_id=S1');
    const s1 = h.app.ctx.photos.photo('S1');
    expect(s1).not.toBeNull();
    expect(h.app.ctx.photos.unmatched().map((u) => u.file_name)).toEqual(['0100002.jpg']);
    expect(h.app.ctx.photos.history('s1').length).toBe(1);
    expect(h.app.ctx.audit.list({ localId: 'S1', limit: 5 })[0]).toMatchObject({ actor: 'admin', detail: 'unmatched photo s1.jpg applied as the photo of S1 (near-miss hint)' });
    const after = await (await web.request('/admin/photos?done=applied&file=s1.jpg&local_id=S1', { headers: { cookie } })).text();
    expect(after).toContain('s1.jpg is now the photo of S1.');
    // The same hint again: the file is gone from the folder.
    expect((await post('apply', { file: 's1.jpg', local_id: 'S1' })).status).toBe(404);

    // Dismissing: the hint is not offered again for that photo, and it stays unmatched.
    expect(await (await web.request('/admin/photos', { headers: { cookie } })).text()).toContain("Use as 100002&#39;s photo");
    expect((await post('dismiss', { file: '0100002.jpg', local_id: '100002' })).status).toBe(303);
    expect(await (await web.request('/admin/photos', { headers: { cookie } })).text()).not.toContain("Use as 100002&#39;s photo");
    expect(h.app.ctx.photos.unmatched()[0]).toMatchObject({ file_name: '0100002.jpg', hints: [] });
    expect(h.app.ctx.photos.photo('100002')).toBeNull();
    expect(h.app.ctx.audit.list({ localId: '100002', limit: 5 })[0]).toMatchObject({ detail: 'near-miss hint 100002 dismissed for unmatched photo 0100002.jpg' });
  });

  it('is for admins only', async () => {
    const web = createWebApp(h.app.ctx);
    const res = await web.request('/admin/photos/hints/apply', { method: 'POST' });
    expect([302, 303, 401, 403]).toContain(res.status);
  });
});
