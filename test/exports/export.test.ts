import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/storage/db.ts';
import { removeTempAppliances, run, tempAppliance } from '../foundation/cli-process.ts';
import { addUsers, createTestSite, signIn, type Session, type TestSite } from '../web/helpers.ts';
import { portraitJpeg } from '../web/portraits.ts';
import { readZip } from './zip-read.ts';

afterAll(removeTempAppliances);

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('photo export from the web', () => {
  let site: TestSite;
  let admin: Session;
  const uploaded = new Map<string, Buffer>();

  beforeAll(async () => {
    site = await createTestSite();
    const { ctx } = site.app;
    addUsers(site.db, [
      { local_id: 'S1', first_name: 'Ann', last_name: 'One', grade: '5', building: 'Lincoln' },
      { local_id: 'S2', first_name: 'Ben', last_name: 'Two', grade: '6', building: 'Lincoln' },
      { local_id: 'S3', first_name: 'Cat', last_name: 'Three', grade: '5', building: 'Central' },
      { local_id: 'S4', first_name: 'Dan', last_name: 'Optout', grade: '5', building: 'Lincoln' },
      { local_id: 'S5', first_name: 'Eve', last_name: 'Gone', grade: '5', building: 'Lincoln', active: 0 },
      { local_id: 'T1', first_name: 'Tia', last_name: 'Teacher', role: 'staff', building: 'Lincoln' },
      { local_id: 'S"6', first_name: 'Quo', last_name: 'Te', grade: '5', building: 'Lincoln' },
    ]);
    site.db.run("UPDATE users SET opt_out = 1 WHERE local_id = 'S4'");
    const inbox = join(site.dir, 'in');
    mkdirSync(inbox, { recursive: true });
    for (const [i, id] of ['S1', 'S2', 'S3', 'S4', 'S5', 'T1', 'S"6'].entries()) {
      const bytes = await portraitJpeg(i + 1);
      uploaded.set(id, bytes);
      writeFileSync(join(inbox, `${id}.jpg`), bytes);
      await ctx.photos.addFile(join(inbox, `${id}.jpg`), { account: 'district' });
    }
    // S3's photo arrived as a PNG: exported as uploaded, under its own extension.
    const png = await sharp(await portraitJpeg(30)).png().toBuffer();
    uploaded.set('S3', png);
    writeFileSync(join(inbox, 'S3.png'), png);
    await ctx.photos.addFile(join(inbox, 'S3.png'), { account: 'district' });
    admin = await signIn(site.web, 'admin');
  });
  afterAll(() => site?.close());

  const download = async (query: string, session = admin) => {
    const res = await site.web.request(`/admin/export/photos.zip${query}`, { headers: { cookie: session.cookie } });
    return { res, zip: Buffer.from(await res.arrayBuffer()) };
  };
  const shaOfStored = (id: string, size: 'full' | 'original') => sha256(readFileSync(site.app.ctx.photos.filePath(site.app.ctx.photos.photo(id)!.source_sha256, size)));

  it('the zip holds {LocalID}.jpg of every active person but the opted-out, each byte-identical to the stored display image, and idlink.txt', async () => {
    const { res, zip } = await download('');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="idphotos-\d{4}-\d{2}-\d{2}\.zip"$/);
    const entries = await readZip(zip);
    expect([...entries.keys()].sort()).toEqual(['S"6.jpg', 'S1.jpg', 'S2.jpg', 'S3.jpg', 'T1.jpg', 'idlink.txt']);
    for (const id of ['S1', 'S2', 'S3', 'T1', 'S"6']) expect(sha256(entries.get(`${id}.jpg`)!), id).toBe(shaOfStored(id, 'full'));
    expect(entries.get('idlink.txt')!.toString()).toBe('"S""6","S""6.jpg"\r\n"S1","S1.jpg"\r\n"S2","S2.jpg"\r\n"S3","S3.jpg"\r\n"T1","T1.jpg"\r\n');
    expect((await sharp(entries.get('S1.jpg')!).metadata()).format).toBe('jpeg');
  });

  it('original size gives the bytes as uploaded (sha256 equal to the file sent), a PNG under .png', async () => {
    const entries = await readZip((await download('?size=original&building=Lincoln&grade=5')).zip);
    expect([...entries.keys()].sort()).toEqual(['S"6.jpg', 'S1.jpg', 'idlink.txt']);
    expect(sha256(entries.get('S1.jpg')!)).toBe(sha256(uploaded.get('S1')!));
    const central = await readZip((await download('?size=original&building=Central')).zip);
    expect(sha256(central.get('S3.png')!)).toBe(sha256(uploaded.get('S3')!));
    expect(central.get('idlink.txt')!.toString()).toBe('"S3","S3.png"\r\n');
  });

  it.each([
    ['?role=staff', ['T1.jpg']],
    ['?grade=6', ['S2.jpg']],
    ['?building=Central&role=student', ['S3.jpg']],
    [`?since=${new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}`, []],
    ['?since=2000-01-01&role=student&grade=5&building=Lincoln', ['S"6.jpg', 'S1.jpg']],
  ])('filters: %s', async (query, names) => {
    const entries = await readZip((await download(query)).zip);
    expect([...entries.keys()].filter((n) => n !== 'idlink.txt').sort()).toEqual(names);
  });

  it('changed since counts from when a photo became current', async () => {
    // The photos of beforeAll arrived at the start of term; S2's new one arrives now.
    site.db.run("UPDATE photos SET updated_at = '2026-09-01T08:00:00.000Z'");
    const inbox = join(site.dir, 'in2');
    mkdirSync(inbox, { recursive: true });
    writeFileSync(join(inbox, 'S2.jpg'), await portraitJpeg(77));
    await site.app.ctx.photos.addFile(join(inbox, 'S2.jpg'), { account: 'district' });
    const entries = await readZip((await download('?since=2026-09-02')).zip);
    expect([...entries.keys()].sort()).toEqual(['S2.jpg', 'idlink.txt']);
  });

  it('the page counts what a filter matches and the withheld; bad filters are refused; staff get 403', async () => {
    const page = await (await site.web.request('/admin/export?building=Lincoln&grade=5', { headers: { cookie: admin.cookie } })).text();
    expect(page).toMatch(/2 photos match; 1 more withheld \(opted out\)/);
    expect(page).toContain('href="/admin/export/photos.zip?building=Lincoln&amp;grade=5"');
    const bad = await site.web.request('/admin/export?since=yesterday', { headers: { cookie: admin.cookie } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('changed since must be a date such as 2026-09-01');
    expect((await download('?size=huge')).res.status).toBe(400);
    const desk = await signIn(site.web, 'desk');
    expect((await download('', desk)).res.status).toBe(403);
  });

  it('each export is in the audit log with its filters and counts', () => {
    const entries = site.app.ctx.audit.list({ actor: 'admin', limit: 1000 }).filter((e) => e.action === 'export');
    expect(entries.map((e) => e.detail)).toContain('2 photos (size original, building Lincoln, grade 5) to a web download; 1 withheld (opted out)');
  });
});

describe('idphotos photos export', { timeout: 300_000 }, () => {
  const { dir, config } = tempAppliance();
  const data = join(dir, 'data');
  const sent = new Map<string, Buffer>();

  beforeAll(async () => {
    mkdirSync(data, { recursive: true });
    const db = openDatabase(join(data, 'idphotos.db'));
    addUsers(db, [{ local_id: 'A1', first_name: 'A', last_name: 'One', grade: '3' }, { local_id: 'A2', first_name: 'B', last_name: 'Two', grade: '4' }, { local_id: 'A3', first_name: 'C', last_name: 'Out', grade: '3' }]);
    db.run("UPDATE users SET opt_out = 1 WHERE local_id = 'A3'");
    db.close();
    const files: string[] = [];
    for (const [i, id] of ['A1', 'A2', 'A3'].entries()) {
      const bytes = await portraitJpeg(40 + i);
      sent.set(id, bytes);
      writeFileSync(join(dir, `${id}.jpg`), bytes);
      files.push(join(dir, `${id}.jpg`));
    }
    const added = await run(['photos', 'add', ...files, '--config', config]);
    expect(added.code, added.stderr + added.stdout).toBe(0);
   }, 300_000);

  it('FILE.zip: the originals, read back by sha256; the opted-out left out and said so', async () => {
    const out = join(dir, 'out', 'photos.zip');
    mkdirSync(join(dir, 'out'));
    const r = await run(['photos', 'export', out, '--size', 'original', '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`2 photos and idlink.txt written to ${out}; 1 withheld (opted out of directory photos)\n`);
    const entries = await readZip(readFileSync(out));
    expect([...entries.keys()]).toEqual(['A1.jpg', 'A2.jpg', 'idlink.txt']);
    expect(sha256(entries.get('A1.jpg')!)).toBe(sha256(sent.get('A1')!));
    expect(sha256(entries.get('A2.jpg')!)).toBe(sha256(sent.get('A2')!));
    expect(readdirSync(join(dir, 'out'))).toEqual(['photos.zip']);
  });

  it('DIR: one file per photo and idlink.txt; --grade filters', async () => {
    const out = join(dir, 'folder');
    const r = await run(['photos', 'export', out, '--grade', '3', '--size', 'original', '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['A1.jpg', 'idlink.txt']);
    expect(sha256(readFileSync(join(out, 'A1.jpg')))).toBe(sha256(sent.get('A1')!));
    expect(readFileSync(join(out, 'idlink.txt'), 'utf8')).toBe('"A1","A1.jpg"\r\n');
  });

  it('a bad filter is a usage error; a photo file unreadable mid-export leaves no zip behind; a missing one is made again', async () => {
    const bad = await run(['photos', 'export', join(dir, 'x.zip'), '--role', 'parent', '--config', config]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/role must be student or staff/);
    // A2's display image unreadable (a folder in its place): the export fails, and nothing half-written is left.
    const db = openDatabase(join(data, 'idphotos.db'), { migrate: false });
    const sha = db.get<{ s: string }>("SELECT v.source_sha256 AS s FROM photos p JOIN photo_versions v ON v.id = p.version_id WHERE p.local_id = 'A2'")!.s;
    db.close();
    const display = join(data, 'photos', 'sha256', sha.slice(0, 2), `${sha}.full.jpg`);
    renameSync(display, `${display}.away`);
    mkdirSync(display);
    try {
      const target = join(dir, 'broken', 'photos.zip');
      mkdirSync(join(dir, 'broken'));
      const r = await run(['photos', 'export', target, '--config', config]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/EISDIR/);
      expect(existsSync(target)).toBe(false);
      expect(readdirSync(join(dir, 'broken'))).toEqual([]);
    } finally {
      rmdirSync(display);
      renameSync(`${display}.away`, display);
    }
    // A display image that is gone (derived from the stored photo) is made again for the export.
    const before = readFileSync(display);
    unlinkSync(display);
    const target = join(dir, 'remade', 'photos.zip');
    mkdirSync(join(dir, 'remade'));
    expect((await run(['photos', 'export', target, '--config', config])).code).toBe(0);
    expect(readFileSync(display).equals(before)).toBe(true);
  });
});
