import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeInactivePhotos } from '../../src/domain/photos/retention.ts';
import { addUsers, createTestSite, signIn, type Session, type TestSite } from '../web/helpers.ts';
import { portraitJpeg } from '../web/portraits.ts';

const DAY = 24 * 60 * 60 * 1000;

describe('photos.retain_inactive_days', () => {
  let site: TestSite;
  let admin: Session;
  const shas: Record<string, string[]> = {};

  beforeAll(async () => {
    site = await createTestSite('[photos]\nretain_inactive_days = 30');
    const { ctx } = site.app;
    addUsers(site.db, [
      { local_id: 'S1', first_name: 'Long', last_name: 'Gone', active: 0 },
      { local_id: 'S2', first_name: 'Just', last_name: 'Left', active: 0 },
      { local_id: 'S3', first_name: 'Still', last_name: 'Here' },
      { local_id: 'S4', first_name: 'No', last_name: 'Photo', active: 0 },
    ]);
    const inbox = join(site.dir, 'in');
    mkdirSync(inbox, { recursive: true });
    let seed = 1;
    for (const id of ['S1', 'S1', 'S2', 'S3']) {
      const file = join(inbox, `${id}.jpg`);
      writeFileSync(file, await portraitJpeg(seed++));
      const r = await ctx.photos.addFile(file, { account: 'district' });
      (shas[id] ??= []).push(r.sha256);
    }
    site.db.run("UPDATE users SET deactivated_at = ? WHERE local_id IN ('S1', 'S4')", new Date(Date.now() - 40 * DAY).toISOString());
    site.db.run("UPDATE users SET deactivated_at = ? WHERE local_id = 'S2'", new Date(Date.now() - 10 * DAY).toISOString());
    admin = await signIn(site.web, 'admin');
  });
  afterAll(() => site?.close());

  const contentExists = (sha: string) => existsSync(site.app.ctx.photos.filePath(sha, 'original'));

  it('the status page shows what the next purge would remove', async () => {
    const page = await (await site.web.request('/admin/status', { headers: { cookie: admin.cookie } })).text();
    expect(page).toMatch(/The next purge would remove the photos of <strong>1 person<\/strong> \(2 photo versions\)/);
    expect(page).toContain('href="/users/S1"');
    expect(page).not.toContain('href="/users/S2"');
  });

  it('the start of the appliance purges the photos and history of people inactive longer than that, each purge audited', async () => {
    for (const sha of shas.S1!) expect(contentExists(sha)).toBe(true);
    await site.app.start();
    expect(site.app.ctx.photos.photo('S1')).toBeNull();
    expect(site.app.ctx.photos.history('S1')).toEqual([]);
    for (const sha of shas.S1!) {
      expect(contentExists(sha)).toBe(false);
      for (const size of ['thumb', 'profile', 'full'] as const) expect(existsSync(site.app.ctx.photos.filePath(sha, size))).toBe(false);
    }
    // The person stays in the roster: the viewer shows the placeholder.
    const res = await site.web.request('/photos/S1', { headers: { cookie: admin.cookie } });
    expect(res.headers.get('x-photo')).toBe('placeholder');
    // Inactive for less time, and active people, keep theirs.
    expect(site.app.ctx.photos.photo('S2')?.source_sha256).toBe(shas.S2![0]);
    expect(site.app.ctx.photos.photo('S3')?.source_sha256).toBe(shas.S3![0]);
    expect(contentExists(shas.S2![0]!)).toBe(true);
    const purges = site.app.ctx.audit.list({ localId: 'S1' }).filter((e) => e.action === 'photo.purge');
    expect(purges).toHaveLength(1);
    expect(purges[0]).toMatchObject({ actor: 'idphotos' });
    expect(purges[0]!.detail).toMatch(/^2 photo versions removed: inactive since \d{4}-\d\d-\d\dT.*, longer than 30 days \(photos\.retain_inactive_days\)$/);
    const page = await (await site.web.request('/admin/status', { headers: { cookie: admin.cookie } })).text();
    expect(page).toContain('The next purge would remove nothing.');
  });

  it('each daily pass writes one summary line to the log, also when nothing was due', async () => {
    site.db.run("UPDATE users SET deactivated_at = ? WHERE local_id = 'S2'", new Date(Date.now() - 31 * DAY).toISOString());
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, new Writable({ write: (chunk, _e, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
    expect(purgeInactivePhotos(site.app.ctx.photos, site.app.ctx.audit, 30, log)).toEqual({ people: 1, versions: 1 });
    expect(purgeInactivePhotos(site.app.ctx.photos, site.app.ctx.audit, 30, log)).toEqual({ people: 0, versions: 0 });
    expect(lines.map((l) => l.msg)).toEqual([
      "photo retention: 1 inactive people's photos purged (1 versions), older than 30 days",
      "photo retention: 0 inactive people's photos purged (0 versions), older than 30 days",
    ]);
    expect(site.app.ctx.photos.photo('S2')).toBeNull();
    expect(site.app.ctx.photos.photo('S3')).not.toBeNull();
  });
});
