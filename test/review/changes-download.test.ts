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
  local = tempDir('idphotos-changes-download-');
});
afterAll(async () => h?.stop());

const PEOPLE = 4000;

describe('changes.csv download while the appliance keeps working', () => {
  it('a download a client reads slowly does not block uploads (no database statement held open between rows)', async () => {
    const rows = Array.from({ length: PEOPLE }, (_, i) => `S${100000 + i},Firstname${i},Lastname${i},05,101`);
    writeFileSync(join(local, 'students.csv'), `Local ID,First Name,Last Name,Grade,Building\r\n${rows.join('\r\n')}\r\n`);
    expect((await sftpBatch(h, ['put students.csv /incoming/data/'], local)).code).toBe(0);
    await h.app.ctx.imports.idle();
    const [imp] = h.app.ctx.roster.listImports();
    expect(imp).toMatchObject({ status: 'applied', added: PEOPLE });

    const web = createWebApp(h.app.ctx);
    const { cookie } = await signInAs(web, 'admin', PASSWORD);
    const res = await web.request(`/api/imports/${imp!.id}/changes.csv`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    // The client takes one chunk and stops reading for a while (a slow link, a paused browser).
    let text = decoder.decode((await reader.read()).value, { stream: true });
    expect(text.length).toBeLessThan(PEOPLE * 40);

    // Meanwhile the nightly photo upload arrives and must be stored.
    writeFileSync(join(local, 'S100007.jpg'), await photo(7));
    const put = await sftpBatch(h, ['put S100007.jpg /incoming/idphotos/'], local);
    expect(put.stderr).not.toMatch(/Failure/);
    expect(put.code).toBe(0);
    // (It becomes current after the photo folder's quiet period.)
    await expect.poll(() => h.app.ctx.photos.photo('S100007'), { timeout: 30_000 }).not.toBeNull();

    // The download then finishes whole.
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const lines = text.trim().split('\r\n');
    expect(lines).toHaveLength(PEOPLE + 1);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[1])).size).toBe(PEOPLE);
  });

  it('refuses a page number too large to be an offset with a clear 400, not a database error', async () => {
    const [imp] = h.app.ctx.roster.listImports();
    const web = createWebApp(h.app.ctx);
    const { cookie } = await signInAs(web, 'admin', PASSWORD);
    for (const page of ['1e300', '99999999999999999999', '-1', 'abc', '1.5']) {
      const res = await web.request(`/api/imports/${imp!.id}/changes?page=${page}`, { headers: { cookie } });
      expect(res.status, `page=${page}`).toBe(400);
      expect(await res.text()).toContain('page must be');
    }
    expect((await web.request('/api/imports?limit=1e300', { headers: { cookie } })).status).toBe(400);
    expect((await web.request('/api/imports?before=1e300', { headers: { cookie } })).status).toBe(400);
    const bad = await web.request(`/api/imports/${imp!.id}/changes?kind=everyone`, { headers: { cookie } });
    expect(bad.status).toBe(400);
    const last = await web.request(`/api/imports/${imp!.id}/changes?page=40`, { headers: { cookie } });
    expect(((await last.json()) as { changes: unknown[] }).changes).toHaveLength(100);
  });
});
