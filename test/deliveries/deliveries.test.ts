import { createHash } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseOf } from '../../src/storage/index.ts';
import { localDay, resolveTimezone } from '../../src/shared/time.ts';
import { createWebApp } from '../../src/web/app.ts';
import { addUsers, signInAs, type Session } from '../web/helpers.ts';
import { connectSsh2, PASSWORD, photo, run, sftpBatch, startHarness, tempDir, USER, type Harness } from '../sftp/harness.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A zip made by yazl (a real zip writer), entries in the order given. */
function zipOf(entries: [string, Buffer][], compress = false): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, bytes] of entries) zip.addBuffer(bytes, name, { compress, mtime: new Date('2026-10-01T08:00:00Z') });
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

const PSPA_HEADERLESS = (rows: string[][]) => rows.map((r) => r.join('\t')).join('\r\n') + '\r\n';
const pspaRow = (folder: string, file: string, grade: string, last: string, first: string, id?: string) =>
  ['V1', folder, file, grade, last, first, '101', '1', 'Smith', 'A', '', '', '480x600', ...(id !== undefined ? [id] : [])];

describe('vendor deliveries uploaded over SFTP', () => {
  let h: Harness;
  let local: string;
  let admin: Session;
  const images = new Map<string, Buffer>();
  let web: ReturnType<typeof createWebApp>;

  beforeAll(async () => {
    h = await startHarness('', 'max_delivery_bytes = 2000000');
    local = tempDir();
    addUsers(databaseOf(h.app.storage), [
      { local_id: 'S100', first_name: 'Maria', last_name: 'Garcia', grade: '5' },
      { local_id: 'S101', first_name: 'Maria', last_name: 'Garcia', grade: '5' },
      { local_id: 'S102', first_name: 'Jose', last_name: 'Munoz', grade: '4' },
      { local_id: 'S103', first_name: 'Zoë', last_name: "O'Brien", grade: '3' },
      { local_id: 'S104', first_name: 'Ann', last_name: 'Lee', grade: '5' },
      { local_id: 'S105', first_name: 'Ben', last_name: 'Park', grade: '6' },
      { local_id: 'S106', first_name: 'Cy', last_name: 'Link', grade: '7' },
    ]);
    for (let i = 1; i <= 12; i++) images.set(`p${i}`, await photo(i * 11, 48));
    web = createWebApp(h.app.ctx);
    admin = await signInAs(web, 'admin', PASSWORD);
  });
  afterAll(async () => {
    await h?.stop();
  });

  const current = (id: string) => h.app.ctx.photos.photo(id)?.source_sha256;
  const latest = () => h.app.ctx.deliveries.list(1)[0]!;
  const put = async (file: string, bytes: Buffer) => {
    writeFileSync(join(local, file), bytes);
    return sftpBatch(h, [`put ${join(local, file)} /incoming/idphotos/${file}`]);
  };

  it('a PSPA package without an ID column (Windows-1252 index, nested folders), by OpenSSH sftp: names matched exactly, then ignoring accents and case; the rest waits or is refused line by line', async () => {
    const index = PSPA_HEADERLESS([
      pspaRow('IMAGES\\G05', '0001.jpg', '05', 'Garcia', 'Maria'),
      pspaRow('IMAGES\\G04', '0002.jpg', '04', 'MUÑOZ', 'José'),
      pspaRow('IMAGES/G03', '0003.jpg', '3', "O'Brien", 'Zoë'),
      pspaRow('IMAGES/G05', '0004.jpg', '5', 'Lee', 'Ann'),
      pspaRow('IMAGES/G05', '0099.jpg', '5', 'Ghost', 'Casper'),
      ['V1', 'IMAGES/G05'],
    ]);
    const zip = await zipOf([
      ['PICDAY/INDEX.TXT', iconv.encode(index, 'windows-1252')],
      ['PICDAY/IMAGES/G05/0001.jpg', images.get('p1')!],
      ['PICDAY/IMAGES/G04/0002.jpg', images.get('p2')!],
      ['PICDAY/IMAGES/G03/0003.jpg', images.get('p3')!],
      ['PICDAY/IMAGES/G05/0004.jpg', images.get('p4')!],
      ['PICDAY/IMAGES/G06/extra.jpg', images.get('p5')!],
    ]);
    const r = await put('picday-lincoln.zip', zip);
    expect(r.code, r.stderr).toBe(0);
    await h.app.ctx.deliveries.settled();
    expect(current('S102')).toBe(sha256(images.get('p2')!));
    expect(current('S103')).toBe(sha256(images.get('p3')!));
    expect(current('S104')).toBe(sha256(images.get('p4')!));
    expect(current('S100')).toBeUndefined();
    expect(current('S101')).toBeUndefined();

    const d = latest();
    expect(d).toMatchObject({ file_name: 'picday-lincoln.zip', status: 'done', kind: 'pspa', encoding: 'windows-1252', counts: { matched: 3, waiting: 1, refused: 3 } });
    const items = h.app.ctx.deliveries.detail(d.id).items;
    const byLine = (line: number) => items.find((i) => i.line === line)!;
    expect(byLine(1)).toMatchObject({ status: 'waiting', reason: '2 people named Maria Garcia in grade 05' });
    expect(byLine(1).candidateList.map((c) => c.local_id).sort()).toEqual(['S100', 'S101']);
    expect(byLine(2)).toMatchObject({ status: 'matched', local_id: 'S102', reason: 'matched by name and grade, ignoring accents and case', last_name: 'MUÑOZ' });
    expect(byLine(3)).toMatchObject({ status: 'matched', local_id: 'S103', reason: 'matched by name and grade' });
    expect(byLine(5)).toMatchObject({ status: 'refused', reason: 'line 5 names PICDAY/IMAGES/G05/0099.jpg, which is not in the zip' });
    expect(byLine(6).reason).toMatch(/^line 6 has 2 tab-separated values/);
    expect(items.find((i) => i.line === 0)).toMatchObject({ status: 'refused', image: 'PICDAY/IMAGES/G06/extra.jpg', reason: 'PICDAY/IMAGES/G06/extra.jpg is not named in the index: not stored' });
    // Stored through the photo store: in the history like any upload.
    expect(h.app.ctx.photos.history('S103')).toHaveLength(1);
    // The zip stays listed with its size, so a sync tool does not send it again.
    const ls = await sftpBatch(h, ['ls -l /incoming/idphotos/']);
    expect(ls.stdout).toMatch(new RegExp(`\\s${zip.length}\\s.*picday-lincoln\\.zip`));
    // /reports/ tells an unattended script what became of the zip.
    const day = localDay(new Date(), resolveTimezone(''));
    const got = tempDir('idphotos-delivery-reports-');
    const get = await sftpBatch(h, ['cd /reports', `get uploads-${day}.csv`], got);
    expect(get.code, get.stderr).toBe(0);
    const line = readFileSync(join(got, `uploads-${day}.csv`), 'utf8').split('\r\n').find((l) => l.includes('"picday-lincoln.zip"'))!;
    expect(line).toContain(`"stored","picture-day delivery ${d.id}: 3 matched, 1 waiting for an admin, 3 refused (every line on the delivery page)"`);
  });

  it('the admin picks who a waiting photo shows, on the photos page; the delivery page and report show every line', async () => {
    const d = latest();
    const photos = await (await web.request('/admin/photos', { headers: { cookie: admin.cookie } })).text();
    expect(photos).toContain('Waiting from vendor deliveries (1)');
    expect(photos).toContain('2 people named Maria Garcia in grade 05');
    expect(photos).toContain('value="S101"');
    const item = h.app.ctx.deliveries.detail(d.id).items.find((i) => i.status === 'waiting')!;
    const img = await web.request(`/admin/deliveries/${d.id}/items/${item.n}/image`, { headers: { cookie: admin.cookie } });
    expect(sha256(new Uint8Array(await img.arrayBuffer()))).toBe(sha256(images.get('p1')!));
    const res = await web.request(`/admin/deliveries/${d.id}/items/${item.n}/assign`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: admin.csrf, local_id: 'S101', back: '/admin/photos' }).toString(),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/admin\/photos\?done=/);
    expect(current('S101')).toBe(sha256(images.get('p1')!));
    expect(current('S100')).toBeUndefined();
    expect(h.app.ctx.deliveries.waiting()).toHaveLength(0);

    const page = await (await web.request(`/admin/deliveries/${d.id}`, { headers: { cookie: admin.cookie } })).text();
    expect(page).toContain('3 matched, 1 assigned by an admin, 0 waiting, 3 refused');
    expect(page).toContain('which is not in the zip');
    const csv = await (await web.request(`/admin/deliveries/${d.id}/report.csv`, { headers: { cookie: admin.cookie } })).text();
    expect(csv).toContain('"5","PICDAY/IMAGES/G05/0099.jpg","","Ghost","Casper","5","refused","","line 5 names PICDAY/IMAGES/G05/0099.jpg, which is not in the zip"');
    expect(csv).toContain('"assigned","S101"');
    const audit = h.app.ctx.audit.list({ localId: 'S101' });
    expect(audit.map((e) => e.detail)).toContain(`delivery ${d.id} line 1 (PICDAY/IMAGES/G05/0001.jpg) assigned to S101`);
  });

  it('a PSPA package with a student ID column, index in UTF-16, by rclone: matched by ID; an unknown ID waits', async () => {
    const index = PSPA_HEADERLESS([pspaRow('', 'a.jpg', '6', 'Park', 'Benjamin', 'S105'), pspaRow('', 'b.jpg', '6', 'Nobody', 'New', 'S999')]);
    const zip = await zipOf([['INDEX.TXT', Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(index, 'utf-16le')])], ['a.jpg', images.get('p6')!], ['b.jpg', images.get('p7')!]], true);
    const dir = join(local, 'rc');
    (await import('node:fs')).mkdirSync(dir);
    writeFileSync(join(dir, 'picday-ids.zip'), zip);
    const env = { RCLONE_CONFIG: join(local, 'rclone.conf'), RCLONE_CONFIG_IDP_TYPE: 'sftp', RCLONE_CONFIG_IDP_HOST: '127.0.0.1', RCLONE_CONFIG_IDP_PORT: String(h.port), RCLONE_CONFIG_IDP_USER: USER, RCLONE_CONFIG_IDP_KEY_FILE: h.keyFile };
    const copy = await run('rclone', ['copy', dir, 'idp:/incoming/idphotos'], { env });
    expect(copy.stderr).not.toMatch(/ERROR/);
    expect(copy.code).toBe(0);
    await h.app.ctx.deliveries.settled();
    expect(current('S105')).toBe(sha256(images.get('p6')!));
    const d = latest();
    expect(d).toMatchObject({ file_name: 'picday-ids.zip', status: 'done', encoding: 'utf-16le', counts: { matched: 1, waiting: 1, refused: 0 } });
    expect(h.app.ctx.deliveries.detail(d.id).items[1]).toMatchObject({ status: 'waiting', reason: 'no active user has Local ID S999', student_id: 'S999' });
    // rclone's second copy finds the zip listed with the same size and mtime: nothing is sent.
    const again = await run('rclone', ['copy', '-v', dir, 'idp:/incoming/idphotos'], { env });
    expect(again.code).toBe(0);
    expect(latest().id).toBe(d.id);
  });

  it('an idlink.txt delivery (Destiny): the barcode is the Local ID', async () => {
    const zip = await zipOf([['idlink.txt', Buffer.from('"S106","photos/s106.jpg"\r\n')], ['photos/s106.jpg', images.get('p8')!]]);
    const r = await put('destiny.zip', zip);
    expect(r.code, r.stderr).toBe(0);
    await h.app.ctx.deliveries.settled();
    expect(latest()).toMatchObject({ kind: 'idlink', counts: { matched: 1 } });
    expect(current('S106')).toBe(sha256(images.get('p8')!));
  });

  it('an image the photo store refuses is refused on its line with the store\'s reason; a waiting line can be discarded', async () => {
    const zip = await zipOf([
      ['idlink.txt', Buffer.from('"S104","heic.jpg"\r\n"S777","nobody.jpg"\r\n')],
      ['heic.jpg', Buffer.from('Student_Number,First_Name\nS104,Ann\n')],
      ['nobody.jpg', images.get('p11')!],
    ]);
    const r = await put('mixed.zip', zip);
    expect(r.code, r.stderr).toBe(0);
    await h.app.ctx.deliveries.settled();
    const d = latest();
    const items = h.app.ctx.deliveries.detail(d.id).items;
    expect(items[0]!.status).toBe('refused');
    expect(items[0]!.reason).toMatch(/^line 1 \(heic\.jpg\): /);
    expect(items[1]).toMatchObject({ status: 'waiting', reason: 'no active user has Local ID S777' });
    // The photo S104 had from the first delivery is untouched.
    expect(current('S104')).toBe(sha256(images.get('p4')!));
    // Also in the photo store's own refused list, like any refused upload.
    expect(h.app.ctx.photos.rejected(10).some((x) => x.file_name === 'S104.jpg')).toBe(true);
    const res = await web.request(`/admin/deliveries/${d.id}/items/${items[1]!.n}/discard`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: admin.csrf }).toString(),
    });
    expect(res.status).toBe(303);
    expect(h.app.ctx.deliveries.detail(d.id).items[1]).toMatchObject({ status: 'discarded', decided_by: 'admin' });
    expect((await web.request(`/admin/deliveries/${d.id}/items/${items[1]!.n}/image`, { headers: { cookie: admin.cookie } })).status).toBe(404);
  });

  it('the same delivery sent again is recorded as such and changes nothing', async () => {
    const before = databaseOf(h.app.storage).get<{ n: number }>('SELECT COUNT(*) AS n FROM photo_versions')!.n;
    const zip = await zipOf([['idlink.txt', Buffer.from('"S106","photos/s106.jpg"\r\n')], ['photos/s106.jpg', images.get('p8')!]]);
    const r = await put('destiny-again.zip', zip);
    expect(r.code, r.stderr).toBe(0);
    await h.app.ctx.deliveries.settled();
    expect(latest()).toMatchObject({ file_name: 'destiny-again.zip', status: 'duplicate', reason: expect.stringMatching(/^same content as delivery \d+ \(destiny\.zip, .*\): nothing to do$/) });
    expect(databaseOf(h.app.storage).get<{ n: number }>('SELECT COUNT(*) AS n FROM photo_versions')!.n).toBe(before);
  });

  it.each([
    ['a zip bomb', async () => zipOf([['INDEX.TXT', Buffer.from(PSPA_HEADERLESS([pspaRow('', 'x.jpg', '5', 'Lee', 'Ann')]))], ['x.jpg', Buffer.alloc(20_000_000)]], true), /x\.jpg would unpack to \d+ times its packed size: this looks like a zip bomb/],
    [
      'a ../ entry',
      async () => {
        const z = await zipOf([['INDEX.TXT', Buffer.from(PSPA_HEADERLESS([pspaRow('', 'x.jpg', '5', 'Lee', 'Ann')]))], ['aa/evil.jpg', images.get('p9')!]]);
        return Buffer.from(z.toString('latin1').replaceAll('aa/evil.jpg', '../evil.jpg'), 'latin1');
      },
      /an entry whose name would land outside the delivery \(\.\.\/evil\.jpg\)/,
    ],
    ['no index', async () => zipOf([['x.jpg', images.get('p10')!]]), /holds no INDEX\.TXT \(PSPA portrait index\) or idlink\.txt/],
    ['not a zip', async () => randomBytes(5000), /is not a readable zip archive/],
  ])('%s is refused whole, with the reason, and nothing of it is kept', async (name, make, reason) => {
    const photosBefore = databaseOf(h.app.storage).get<{ n: number }>('SELECT COUNT(*) AS n FROM photo_versions')!.n;
    const file = `bad-${name.replace(/\W+/g, '-')}.zip`;
    const bytes = await make();
    // OpenSSH's sftp says only that the upload failed; ssh2's client shows the appliance's reason.
    const r = await put(file, bytes);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Failure/);
    const c = await connectSsh2(h);
    try {
      await expect(c.call('writeFile', `/incoming/idphotos/${file}`, bytes)).rejects.toThrow(reason);
    } finally {
      c.end();
    }
    const d = latest();
    expect(d).toMatchObject({ file_name: file, status: 'refused' });
    expect(d.reason).toMatch(reason);
    expect(databaseOf(h.app.storage).get<{ n: number }>('SELECT COUNT(*) AS n FROM photo_versions')!.n).toBe(photosBefore);
    expect((await sftpBatch(h, ['ls /incoming/idphotos/'])).stdout).not.toContain(file);
  });

  it('WinSCP-style: a zip uploaded under a .filepart name and renamed is a delivery; the delivery limit applies to the transfer name too', async () => {
    const zip = await zipOf([['idlink.txt', Buffer.from('"S105","x.jpg"\r\n')], ['x.jpg', images.get('p12')!]]);
    const c = await connectSsh2(h);
    try {
      await c.call('writeFile', '/incoming/idphotos/winscp.zip.filepart', zip);
      await c.call('rename', '/incoming/idphotos/winscp.zip.filepart', '/incoming/idphotos/winscp.zip');
      await h.app.ctx.deliveries.settled();
      expect(latest()).toMatchObject({ file_name: 'winscp.zip', status: 'done', counts: { matched: 1 } });
      expect(current('S105')).toBe(sha256(images.get('p12')!));
      // 2.1 MB is within the photo limit (20 MiB) but over this appliance's delivery limit.
      await expect(c.call('writeFile', '/incoming/idphotos/big.zip.filepart', randomBytes(2_100_000))).rejects.toThrow(/big\.zip\.filepart is larger than 1\.9 MB/);
    } finally {
      c.end();
    }
  });

  it('an unzipped package uploaded as a folder is refused with what to do instead', async () => {
    const c = await connectSsh2(h);
    try {
      await expect(c.call('mkdir', '/incoming/idphotos/PICDAY')).rejects.toThrow(/a picture-day package with INDEX\.TXT or idlink\.txt: upload it as one \.zip/);
    } finally {
      c.end();
    }
  });

  it('a zip over sftp.max_delivery_bytes (a 2 GB package at the default) is refused while it is written', async () => {
    const c = await connectSsh2(h);
    try {
      await expect(c.call('writeFile', '/incoming/idphotos/huge.zip', randomBytes(2_100_000))).rejects.toThrow(/huge\.zip is larger than 1\.9 MB, the limit for \/incoming\/idphotos\/; nothing was stored/);
    } finally {
      c.end();
    }
    expect(h.app.ctx.photos.rejected(5)[0]).toMatchObject({ file_name: 'huge.zip' });
  });
});
