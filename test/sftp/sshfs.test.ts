import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireProgram } from '../programs.ts';
import { photo, run, startHarness, tempDir, USER, type Harness } from './harness.ts';

// Where the machine has no FUSE device there is nothing to mount; everywhere else the mount must work.
const fuse = existsSync('/dev/fuse');
let h: Harness;
let mnt: string;
let mounted = '';

beforeAll(async () => {
  if (!fuse) return;
  // Fails at once, naming the package, where sshfs is missing (not after a mount timeout).
  requireProgram('sshfs');
  h = await startHarness();
  mnt = join(tempDir(), 'mnt');
  mkdirSync(mnt);
  const r = await run('sshfs', [
    '-p', String(h.port),
    '-o', `IdentityFile=${h.keyFile},IdentitiesOnly=yes,StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null,LogLevel=ERROR`,
    `${USER}@127.0.0.1:/incoming/idphotos`, mnt,
  ]);
  mounted = r.code === 0 ? 'yes' : `${r.stderr.trim()} (exit ${r.code})`;
});
afterAll(async () => {
  // A mount left behind would block whatever touches it later; when the kernel still counts the
  // mount busy (a release in flight), detach it lazily instead.
  if (mounted === 'yes' && (await run('fusermount3', ['-u', mnt])).code !== 0) await run('fusermount3', ['-u', '-z', mnt]);
  await h?.stop();
});

describe.skipIf(!fuse)('sshfs', () => {
  it('mounts, copies a photo in, lists, reads back, removes, refuses mkdir, answers df', async () => {
    expect(mounted).toBe('yes');
    const bytes = await photo(71);
    const src = join(tempDir(), 'S4001.jpg');
    writeFileSync(src, bytes);
    const cp = await run('cp', [src, join(mnt, 'S4001.jpg')]);
    expect(cp.stderr).toBe('');
    expect(cp.code).toBe(0);
    // FUSE sends the release (our CLOSE, the commit) after cp has returned.
    await expect.poll(() => h.app.ctx.folders.idphotos.stat('S4001.jpg')?.size).toBe(bytes.length);
    expect(readFileSync(h.app.ctx.folders.idphotos.contentPath('S4001.jpg')!).equals(bytes)).toBe(true);
    const ls = await run('ls', ['-l', mnt]);
    expect(ls.stdout).toMatch(new RegExp(`${bytes.length} .* S4001\\.jpg`));
    // NB: only child processes touch the mount: a sync read from this process would block
    // the event loop that serves it.
    expect((await run('cmp', [src, join(mnt, 'S4001.jpg')])).code).toBe(0);
    const kept = join(tempDir(), 'S4002.jpg');
    writeFileSync(kept, await photo(72));
    utimesSync(kept, 1_500_000_000, 1_500_000_000);
    const cpp = await run('cp', ['-p', kept, join(mnt, 'S4002.jpg')]);
    expect(cpp.stderr).toBe('');
    await expect.poll(() => h.app.ctx.folders.idphotos.stat('S4002.jpg')?.mtime).toBe(1_500_000_000);
    const mkdir = await run('mkdir', [join(mnt, 'sub')]);
    expect(mkdir.code).not.toBe(0);
    const df = await run('df', ['-P', mnt]);
    expect(df.code).toBe(0);
    expect((await run('rm', [join(mnt, 'S4001.jpg')])).code).toBe(0);
    expect(h.app.ctx.folders.idphotos.stat('S4001.jpg')).toBeUndefined();
  });
});
