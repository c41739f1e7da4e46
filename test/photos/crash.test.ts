import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/storage/db.ts';
import { hashPassword } from '../../src/shared/passwords.ts';
import { BLUE, RED, centreColour, closeTo, insertUser, jpeg } from './helpers.ts';
import { ROOT, runNode, serve, stop } from './processes.ts';
import { PASSWORD } from './site.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * A process killed (SIGKILL) at each step of a commit, then the real appliance restarted on the
 * same data folder: the user has the old photo or the new one, complete with its display sizes,
 * never neither and never a broken one; temp files and unreferenced content are gone.
 */
describe('crash safety of the photo commit', () => {
  let hash: string;
  let oldPhoto: Buffer;
  let newPhoto: Buffer;
  beforeAll(async () => {
    hash = await hashPassword(PASSWORD);
    oldPhoto = await jpeg(300, 400, RED);
    newPhoto = await jpeg(330, 440, BLUE);
  });

  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it.each([
    ['checked', 'old', ''],
    ['pending-row', 'old', ''],
    // Listed before its bytes are renamed into place: start-up drops it, the name lists the old one.
    ['listed', 'old', ''],
    ['source-durable', 'new', ''],
    // The source file, its folder and the listing are fsynced together before the reply: a power
    // cut in that moment may leave the rows with a torn file. Start-up checks the bytes.
    ['source-durable', 'old', ' (its source file torn, as a power cut before the fsyncs can leave it)'],
    // Shown from here on; its display images are made after the restart (at the latest when asked for).
    ['rendered', 'new', ''],
    ['displays-written', 'new', ''],
  ] as const)('killed after "%s": the %s photo, complete, after restart%s', async (step, expected, torn) => {
    const dir = mkdtempSync(join(tmpdir(), 'idphotos-crash-'));
    dirs.push(dir);
    const configPath = join(dir, 'appliance.toml');
    writeFileSync(
      configPath,
      `data_dir = "data"\n[log]\nlevel = "info"\n[sftp]\nlisten = "127.0.0.1:0"\n[[sftp.accounts]]\nusername = "district"\npassword_hash = "${hash}"\n` +
        `[web]\nlisten = "127.0.0.1:0"\n[[web.accounts]]\nusername = "admin"\npassword_hash = "${hash}"\nrole = "admin"\n`,
    );
    // The old photo, committed normally by a first run of the appliance's CLI.
    writeFileSync(join(dir, 'S1.jpg'), oldPhoto);
    const first = runNode([join(ROOT, 'bin/idphotos.js'), 'photos', 'add', join(dir, 'S1.jpg'), '--config', configPath]);
    expect(await first.exited).toBe(0);
    const db = openDatabase(join(dir, 'data', 'idphotos.db'));
    insertUser(db, 'S1');
    db.close();

    // The new one, killed at `step`.
    mkdirSync(join(dir, 'upload'));
    writeFileSync(join(dir, 'upload', 'S1.jpg'), newPhoto);
    const child = runNode(['--import', 'tsx', join(ROOT, 'test/photos/crash-child.ts'), configPath, join(dir, 'upload', 'S1.jpg'), step]);
    await child.waitFor(new RegExp(`AT ${step}`));
    child.process.kill('SIGKILL');
    await child.exited;
    expect(readdirSync(join(dir, 'data', 'photos', 'tmp')).length).toBe(1);
    const newSource = join(dir, 'data', 'photos', 'sha256', sha256(newPhoto).slice(0, 2), sha256(newPhoto));
    if (torn && existsSync(newSource)) truncateSync(newSource, Math.floor(newPhoto.length / 2));

    const { child: server, webPort } = await serve(configPath);
    try {
      const base = `http://127.0.0.1:${webPort}`;
      const login = await fetch(`${base}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: 'admin', password: PASSWORD }).toString(),
      });
      const cookie = login.headers.get('set-cookie')!.split(';')[0];
      const user = await (await fetch(`${base}/api/users/S1`, { headers: { cookie } })).json();
      const want = expected === 'old' ? oldPhoto : newPhoto;
      expect(user.photo).toMatchObject({ source_sha256: sha256(want), versions: expected === 'old' ? 1 : 2 });
      for (const size of ['thumb', 'profile', 'full']) {
        const res = await fetch(`${base}/photos/S1?size=${size}`, { headers: { cookie } });
        expect(res.status).toBe(200);
        const bytes = Buffer.from(await res.arrayBuffer());
        expect((await sharp(bytes).metadata()).format).toBe('jpeg');
        expect(closeTo(await centreColour(bytes), expected === 'old' ? RED : BLUE)).toBe(true);
      }
    } finally {
      await stop(server);
    }

    // Nothing left behind: no temp folders, no pending rows, every content file referenced.
    expect(readdirSync(join(dir, 'data', 'photos', 'tmp'))).toEqual([]);
    const check = openDatabase(join(dir, 'data', 'idphotos.db'));
    const pending = check.get<{ n: number }>("SELECT count(*) AS n FROM photo_versions WHERE state = 'pending'")!.n;
    const known = new Set(check.all<{ s: string }>('SELECT source_sha256 AS s FROM photo_versions').map((r) => r.s));
    // The file name lists the photo the user has (a dropped upload gives the name back to the old one).
    const listed = check.get<{ s: string }>("SELECT v.source_sha256 AS s FROM photo_files f JOIN photo_versions v ON v.id = f.version_id WHERE f.name = 'S1.jpg'")?.s;
    check.close();
    expect(listed).toBe(sha256(expected === 'old' ? oldPhoto : newPhoto));
    expect(pending).toBe(0);
    const content = join(dir, 'data', 'photos', 'sha256');
    const files = readdirSync(content).flatMap((shard) => readdirSync(join(content, shard)));
    for (const f of files) expect(known.has(f.split('.')[0])).toBe(true);
    expect(existsSync(join(content, sha256(newPhoto).slice(0, 2), sha256(newPhoto)))).toBe(expected === 'new');
  });
  // A file an SFTP client removed stays removed: an upload of the same name cut off before its
  // bytes were in place must not bring the removed photo back under that name.
  it('killed after "listed" when the old file had been removed: the name stays removed after restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idphotos-crash-'));
    dirs.push(dir);
    const configPath = join(dir, 'appliance.toml');
    writeFileSync(configPath, `data_dir = "data"\n[log]\nlevel = "info"\n[sftp]\nlisten = "127.0.0.1:0"\n[[sftp.accounts]]\nusername = "district"\npassword_hash = "${hash}"\n[web]\nlisten = "127.0.0.1:0"\n`);
    writeFileSync(join(dir, 'S1.jpg'), oldPhoto);
    expect(await runNode([join(ROOT, 'bin/idphotos.js'), 'photos', 'add', join(dir, 'S1.jpg'), '--config', configPath]).exited).toBe(0);

    mkdirSync(join(dir, 'upload'));
    writeFileSync(join(dir, 'upload', 'S1.jpg'), newPhoto);
    const child = runNode(['--import', 'tsx', join(ROOT, 'test/photos/crash-child.ts'), configPath, join(dir, 'upload', 'S1.jpg'), 'listed', 'S1.jpg']);
    await child.waitFor(/AT listed/);
    child.process.kill('SIGKILL');
    await child.exited;

    const { child: server } = await serve(configPath);
    await stop(server);
    const check = openDatabase(join(dir, 'data', 'idphotos.db'));
    const listed = check.all<{ name: string }>('SELECT name FROM photo_files');
    const current = check.get<{ n: number }>("SELECT count(*) AS n FROM photos WHERE local_id = 'S1'")!.n;
    const kept = check.get<{ n: number }>("SELECT count(*) AS n FROM photo_versions WHERE local_id = 'S1' AND state = 'ready'")!.n;
    check.close();
    expect(listed).toEqual([]);
    expect(current).toBe(0);
    // The removed photo is still in the history (an admin can restore it).
    expect(kept).toBe(1);
  });
});
