import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryFolder } from '../../src/domain/incoming/directory-folder.ts';
import { Defender, sourceKey } from '../../src/sftp/defender.ts';
import { effectiveHandleLimit, UploadBudget } from '../../src/sftp/budget.ts';
import { StagingArea } from '../../src/sftp/staging.ts';
import { isTempFor, isTempName } from '../../src/sftp/temp-names.ts';
import { normalizePath, resolvePath } from '../../src/sftp/vpath.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { logs } from './harness.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'idphotos-unit-'));

describe('DirectoryFolder', () => {
  const make = (onCommit?: (e: { name: string }, path: string) => void) => {
    const dir = tmp();
    const folder = new DirectoryFolder({ name: 'data', dir: join(dir, 'data'), maxBytes: 2048, allowedExtensions: ['.csv'], onCommit });
    const temp = (text: string) => {
      const p = join(dir, `t-${Math.random()}`);
      writeFileSync(p, text);
      return p;
    };
    return { dir, folder, temp };
  };

  it.each([
    ['students.csv', null],
    ['STUDENTS.CSV', null],
    ['notes.txt', /"notes\.txt" cannot be stored in data\/: only \.csv files are accepted here/],
    ['.hidden.csv', /names starting with a dot/],
    ['a\\b.csv', /backslash/],
    ['csv', /only \.csv files/],
    [`${'x'.repeat(256)}.csv`, /longer than 255 bytes/],
  ])('checkName(%s)', (name, why) => {
    const { folder } = make();
    if (why) expect(() => folder.checkName(name)).toThrow(why);
    else expect(() => folder.checkName(name)).not.toThrow();
  });

  it('commits by rename with the client mtime, replaces in one step, lists, removes', async () => {
    const seen: string[] = [];
    const { folder, temp } = make((e) => seen.push(e.name));
    const first = temp('a,b\n1,2\n');
    await folder.commit({ tempPath: first, name: 'staff.csv', size: 8, account: 'd', mtime: 1_600_000_000 });
    expect(existsSync(first)).toBe(false);
    expect(folder.stat('staff.csv')).toEqual({ name: 'staff.csv', size: 8, mtime: 1_600_000_000, version: expect.any(String) });
    await folder.commit({ tempPath: temp('a,b\n3,4\n5,6\n'), name: 'staff.csv', size: 12, account: 'd' });
    expect(readFileSync(folder.contentPath('staff.csv')!, 'utf8')).toBe('a,b\n3,4\n5,6\n');
    expect(folder.list().map((e) => e.name)).toEqual(['staff.csv']);
    folder.setMtime('staff.csv', 1_700_000_000);
    expect(folder.stat('staff.csv')?.mtime).toBe(1_700_000_000);
    expect(seen).toEqual(['staff.csv', 'staff.csv']);
    folder.remove('staff.csv', 'd');
    expect(folder.list()).toEqual([]);
    expect(() => folder.remove('staff.csv', 'd')).toThrow(/no file "staff.csv"/);
  });

  it('a refused commit deletes the temp file and keeps the stored one', async () => {
    const { folder, temp } = make();
    await folder.commit({ tempPath: temp('x\n'), name: 'a.csv', size: 2, account: 'd' });
    const bad = temp('y\n');
    await expect(folder.commit({ tempPath: bad, name: 'a.txt', size: 2, account: 'd' })).rejects.toThrow(/only \.csv/);
    const big = temp('z'.repeat(4096));
    await expect(folder.commit({ tempPath: big, name: 'a.csv', size: 4096, account: 'd' })).rejects.toThrow(/over the 2048-byte limit/);
    expect(existsSync(bad) || existsSync(big)).toBe(false);
    expect(readFileSync(folder.contentPath('a.csv')!, 'utf8')).toBe('x\n');
  });
});

describe('virtual paths', () => {
  it.each([
    ['.', '/'],
    ['', '/'],
    ['../../..', '/'],
    ['incoming//idphotos/./S1.jpg', '/incoming/idphotos/S1.jpg'],
    ['/incoming/idphotos/../../etc/passwd', '/etc/passwd'],
  ])('normalizePath(%j) = %s', (raw, want) => expect(normalizePath(raw)).toBe(want));

  it('resolves only the fixed tree', () => {
    expect(resolvePath('/').kind).toBe('root');
    expect(resolvePath('/incoming').kind).toBe('incoming');
    expect(resolvePath('/incoming/data')).toMatchObject({ kind: 'folder', folder: 'data' });
    expect(resolvePath('/incoming/idphotos/S1.jpg')).toMatchObject({ kind: 'file', folder: 'idphotos', name: 'S1.jpg' });
    expect(resolvePath('/etc/passwd').kind).toBe('nowhere');
    expect(resolvePath('/incoming/idphotos/a/b.jpg').kind).toBe('nowhere');
  });

  it('temporary names', () => {
    for (const n of ['S1.jpg.filepart', 'S1.jpg.part', 'S1.jpg.a1b2c3.partial', 'x.TMP', '~S1.jpg', '.in.S1.jpg.']) expect(isTempName(n)).toBe(true);
    for (const n of ['S1.jpg', 'students.csv', 'part.jpg']) expect(isTempName(n)).toBe(false);
    expect(isTempFor('S1.jpg.filepart', 'S1.jpg')).toBe(true);
    expect(isTempFor('S10.jpg.filepart', 'S1.jpg')).toBe(false);
  });
});

describe('Defender', () => {
  const cfg = { enabled: true, max_failures: 3, window_seconds: 60, ban_seconds: 100, max_ban_seconds: 250, max_connections_per_ip: 2, max_unauthenticated: 100, allow_list_reserved: 10, allow_list: ['10.0.0.0/8', '192.0.2.7'] };

  it('bans after max_failures within the window, doubles repeat bans up to the maximum, and logs each ban', () => {
    let now = 1_000_000;
    const d = new Defender(cfg, createLogger('test'), () => now);
    d.recordFailure('203.0.113.5', 'x', 'password');
    d.recordFailure('203.0.113.5', 'x', 'password');
    now += 61_000; // the first two fall out of the window
    d.recordFailure('203.0.113.5', 'x', 'password');
    expect(d.isBanned('203.0.113.5')).toBe(false);
    d.recordFailure('203.0.113.5', 'x', 'password');
    d.recordFailure('::ffff:203.0.113.5', 'x', 'password');
    expect(d.isBanned('203.0.113.5')).toBe(true);
    expect(d.admit('203.0.113.5')).toMatchObject({ refused: expect.stringMatching(/banned for 100 more seconds/) });
    expect(d.isBanned('203.0.113.6')).toBe(false);
    const bans: number[] = [];
    for (let round = 0; round < 3; round++) {
      now += 300_000;
      for (let i = 0; i < 3; i++) d.recordFailure('203.0.113.5', 'x', 'password');
      bans.push(logs.filter((l) => l.ip === '203.0.113.5' && l.ban_seconds !== undefined).at(-1)!.ban_seconds as number);
    }
    expect(bans).toEqual([200, 250, 250]);
  });

  it('lets no more password checks run at once from a source than failures earn a ban', () => {
    let now = 5_000_000;
    const d = new Defender(cfg, createLogger('test'), () => now);
    const ends = [d.beginPasswordCheck('203.0.113.9'), d.beginPasswordCheck('203.0.113.9'), d.beginPasswordCheck('203.0.113.9')];
    expect(ends.every((e) => typeof e === 'function')).toBe(true);
    expect(d.beginPasswordCheck('203.0.113.9')).toBeUndefined();
    expect(d.beginPasswordCheck('203.0.113.10')).toBeTypeOf('function');
    ends[0]!();
    d.recordFailure('203.0.113.9', 'x', 'password');
    // One check ended in a failure: two under way plus one failure is still the limit.
    expect(d.beginPasswordCheck('203.0.113.9')).toBeUndefined();
    ends[1]!();
    expect(d.beginPasswordCheck('203.0.113.9')).toBeTypeOf('function');
    now += 61_000; // failures out of the window no longer count
    ends[2]!();
    expect(d.beginPasswordCheck('203.0.113.9')).toBeTypeOf('function');
    for (let i = 0; i < 10; i++) expect(d.beginPasswordCheck('10.9.9.9')).toBeTypeOf('function');
  });

  it('caps connections per IP and never limits the allow list', () => {
    const d = new Defender(cfg, createLogger('test'));
    const a = d.admit('198.51.100.1');
    d.admit('198.51.100.1');
    expect(d.admit('198.51.100.1')).toMatchObject({ refused: expect.stringMatching(/2 connections open \(limit 2\)/) });
    if ('release' in a) a.release();
    expect('release' in d.admit('198.51.100.1')).toBe(true);
    for (let i = 0; i < 10; i++) {
      d.recordFailure('10.1.2.3', 'x', 'password');
      expect('release' in d.admit('10.1.2.3')).toBe(true);
    }
    expect(d.isBanned('10.1.2.3')).toBe(false);
    expect('release' in d.admit('192.0.2.7')).toBe(true);
  });

  it('counts an IPv6 /64 as one source, for the connection cap and for bans', () => {
    const d = new Defender(cfg, createLogger('test'));
    expect(sourceKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
    expect(sourceKey('198.51.100.1')).toBe('198.51.100.1');
    expect('release' in d.admit('2001:db8:1:2::1')).toBe(true);
    expect('release' in d.admit('2001:db8:1:2:ffff::9')).toBe(true);
    expect(d.admit('2001:db8:1:2:1:2:3:4')).toMatchObject({ refused: expect.stringMatching(/2001:db8:1:2::\/64 already has 2 connections open/) });
    expect('release' in d.admit('2001:db8:1:3::1')).toBe(true); // the next /64 is another source
    for (let i = 1; i <= 3; i++) d.recordFailure(`2001:db8:9:9::${i}`, 'x', 'password');
    expect(d.isBanned('2001:db8:9:9:dead:beef::1')).toBe(true);
    expect(d.isBanned('2001:db8:9:a::1')).toBe(false);
  });

  it('caps connections not signed in over every source, keeping a share for the allow list; signing in frees a slot', () => {
    const d = new Defender({ ...cfg, max_connections_per_ip: 100, max_unauthenticated: 5, allow_list_reserved: 2 }, createLogger('test'));
    const held = [1, 2, 3].map((i) => d.admit(`198.51.100.${i}`));
    expect(held.every((a) => 'release' in a)).toBe(true);
    expect(d.admit('198.51.100.4')).toMatchObject({ refused: expect.stringMatching(/3 connections are not signed in yet \(limit 3, 2 more kept for allow-listed sources\)/) });
    expect('release' in d.admit('10.0.0.1')).toBe(true);
    expect('release' in d.admit('192.0.2.7')).toBe(true);
    expect(d.admit('10.0.0.2')).toMatchObject({ refused: expect.stringMatching(/limit 5\)/) });
    const first = held[0]!;
    if ('signedIn' in first) first.signedIn();
    expect('release' in d.admit('10.0.0.3')).toBe(true);
  });
});

describe('UploadBudget', () => {
  it('refuses a handle past the per-account or the global limit and frees it once', () => {
    const b = new UploadBudget({ handlesPerAccount: 2, handles: 3, bytesPerAccount: 100, bytes: 150, filesPerAccount: 10 });
    const r1 = b.openHandle('a');
    b.openHandle('a');
    expect(() => b.openHandle('a')).toThrow(/a has 2 files open over all its sessions \(limit 2, sftp.max_open_handles_per_account\)/);
    b.openHandle('b');
    expect(() => b.openHandle('c')).toThrow(/3 SFTP files open \(limit 3, sftp.max_open_handles\)/);
    r1();
    r1();
    b.openHandle('c');
    expect(() => b.openHandle('d')).toThrow(/limit 3/);
  });

  it('charges bytes per file: growth past a limit is refused and changes nothing; release and move keep the sums right', () => {
    const b = new UploadBudget({ handlesPerAccount: 2, handles: 3, bytesPerAccount: 100, bytes: 150, filesPerAccount: 3 });
    b.charge('a', '/f1', 60);
    b.charge('a', '/f1', 90);
    expect(() => b.charge('a', '/f2', 11)).toThrow(/sftp.max_staged_bytes_per_account/);
    expect(b.charged('/f2')).toBe(0);
    b.charge('b', '/g1', 60);
    expect(() => b.charge('b', '/g2', 1)).toThrow(/sftp.max_staged_bytes\)/);
    b.move('/f1', '/f3');
    b.release('/f3');
    b.charge('a', '/f2', 90);
    b.charge('a', '/f2', 10);
    b.charge('b', '/g2', 40);
    // Files are counted however small: a third and fourth empty file for 'a'.
    b.charge('a', '/f4', 0);
    b.charge('a', '/f5', 0);
    expect(() => b.charge('a', '/f6', 0)).toThrow(/a has 3 unfinished uploads and temporary files \(limit 3, sftp.max_staged_files_per_account\)/);
    b.move('/f5', '/f6');
    expect(() => b.charge('a', '/f7', 0)).toThrow(/limit 3/);
    b.release('/f6');
    b.charge('a', '/f7', 0);
  });

  it('never hands out more handles than half the process file descriptors', () => {
    expect(effectiveHandleLimit(4096, 1024)).toBe(512);
    expect(effectiveHandleLimit(100, 1024)).toBe(100);
    expect(effectiveHandleLimit(100, undefined)).toBe(100);
  });
});

describe('StagingArea.cleanup (at start)', () => {
  it('removes staged files older than a day and every unfinished direct upload, keeps recent staged files', () => {
    const root = tmp();
    const staging = new StagingArea(root);
    const old = staging.prepare('district', 'idphotos', 'S1.jpg.filepart');
    const fresh = staging.prepare('district', 'idphotos', 'S2.jpg.filepart');
    writeFileSync(old, 'old');
    writeFileSync(fresh, 'fresh');
    const day = 24 * 3600;
    utimesSync(old, Date.now() / 1000 - day - 60, Date.now() / 1000 - day - 60);
    mkdirSync(join(root, 'uploads'), { recursive: true });
    writeFileSync(staging.newUploadPath(), 'half an upload');
    const { removed } = staging.cleanup(day * 1000);
    expect(removed).toEqual(['u-district/idphotos/S1.jpg.filepart']);
    expect(existsSync(old)).toBe(false);
    expect(readFileSync(fresh, 'utf8')).toBe('fresh');
    expect(staging.list('district', 'idphotos').map((e) => e.name)).toEqual(['S2.jpg.filepart']);
    expect(readdirSync(join(root, 'uploads'))).toEqual([]);
  });
});
