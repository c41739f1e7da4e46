import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { mountSmallDisk } from '../../scripts/proof/full-disk.ts';
import { applianceToml } from '../../scripts/proof/lib/appliance-toml.ts';
import { createApp, type App } from '../../src/app.ts';
import { parseConfig } from '../../src/config/parse.ts';
import { PASSWORDS } from '../web/helpers.ts';

// Finding 5 of issue 12: a full disk made staff sign-in answer 500, and it stayed so after a
// restart. The data folder is on a small tmpfs filled to the last byte by another program's file.

const probe = mountSmallDisk();
const skip = 'skipped' in probe ? probe.skipped : undefined;
if (!('skipped' in probe)) {
  execFileSync('umount', [probe.dir]);
  rmSync(probe.dir, { recursive: true, force: true });
}

/** Writes `path` until the filesystem has not one byte left. */
function fillDisk(path: string): void {
  const fd = openSync(path, 'w');
  try {
    for (let chunk = 1 << 20; chunk >= 1; ) {
      try {
        writeSync(fd, Buffer.alloc(chunk, 0x5a));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        chunk = Math.floor(chunk / 2);
      }
    }
  } finally {
    closeSync(fd);
  }
}

async function http(port: number, method: string, path: string, opts: { cookie?: string; form?: Record<string, string>; csrf?: string } = {}) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    redirect: 'manual',
    headers: {
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
      ...(opts.csrf ? { 'x-csrf-token': opts.csrf } : {}),
      ...(opts.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: opts.form ? new URLSearchParams(opts.form).toString() : undefined,
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

async function signIn(port: number, username: keyof typeof PASSWORDS) {
  const res = await http(port, 'POST', '/login', { form: { username, password: PASSWORDS[username] } });
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  return { status: res.status, cookie };
}

describe.skipIf(skip !== undefined)(`full disk: sign-in and the viewer${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('staff sign in and view while the disk is full, a change is refused plainly, and a restart on the full disk still serves', async () => {
    const mounted = mountSmallDisk() as { dir: string };
    const toml = await applianceToml({
      dataDir: join(mounted.dir, 'data'),
      logLevel: 'silent',
      webAccounts: [
        { username: 'admin', password: PASSWORDS.admin, role: 'admin' },
        { username: 'desk', password: PASSWORDS.desk, role: 'staff' },
      ],
    });
    const confDir = join(mounted.dir, 'conf');
    let app: App | undefined;
    try {
      app = await createApp(parseConfig(toml, '', confDir));
      let { webPort } = await app.start();
      const photo = join(mounted.dir, 'S1.jpg');
      for (const background of ['#336699', '#993366']) {
        writeFileSync(photo, await sharp({ create: { width: 120, height: 160, channels: 3, background } }).jpeg().toBuffer());
        await app.ctx.photos.addFile(photo, { account: 'district' });
      }
      rmSync(photo);
      const adminBefore = await signIn(webPort, 'admin');
      expect(adminBefore.status).toBe(303);

      fillDisk(join(mounted.dir, 'ballast.bin'));

      const desk = await signIn(webPort, 'desk');
      expect(desk.status).toBe(303);
      expect((await http(webPort, 'GET', '/', { cookie: desk.cookie })).status).toBe(200);
      expect((await http(webPort, 'GET', '/search?q=S1', { cookie: desk.cookie })).status).toBe(200);
      const img = await fetch(`http://127.0.0.1:${webPort}/photos/S1?size=thumb`, { headers: { cookie: desk.cookie! } });
      expect(img.status).toBe(200);
      expect(img.headers.get('x-photo')).toBeNull();
      // Signing out works too, and the cookie is no longer good.
      const home = await http(webPort, 'GET', '/', { cookie: desk.cookie });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(home.body)![1]!;
      expect((await http(webPort, 'POST', '/logout', { cookie: desk.cookie, form: { _csrf: csrf } })).status).toBe(303);
      expect((await http(webPort, 'GET', '/', { cookie: desk.cookie })).status).toBe(303);
      // The session lived in memory only (no room in the database), and so did its end: the
      // display-image fast path (web/photo-fast-path.ts) honours both.
      expect((await http(webPort, 'GET', '/photos/S1?size=thumb', { cookie: desk.cookie })).status).toBe(303);

      // A change is refused with the reason, not a 500.
      const admin = await signIn(webPort, 'admin');
      expect(admin.status).toBe(303);
      const adminHome = await http(webPort, 'GET', '/', { cookie: admin.cookie });
      const adminCsrf = /name="_csrf" value="([^"]+)"/.exec(adminHome.body)![1]!;
      const version = app.ctx.photos.history('S1').find((v) => !v.current)!.version_id;
      const change = await http(webPort, 'POST', '/api/photos/S1/restore', { cookie: admin.cookie, csrf: adminCsrf, form: { version: String(version) } });
      expect([200, 507]).toContain(change.status);
      if (change.status === 507) expect(change.body).toMatch(/out of disk space/);

      // A restart on the full disk still serves.
      await app.stop(1000);
      app = await createApp(parseConfig(toml, '', confDir));
      webPort = (await app.start()).webPort;
      const again = await signIn(webPort, 'desk');
      expect(again.status).toBe(303);
      expect((await http(webPort, 'GET', '/search?q=S1', { cookie: again.cookie })).status).toBe(200);
    } finally {
      await app?.stop(1000).catch(() => undefined);
      execFileSync('umount', ['-l', mounted.dir]);
      rmSync(mounted.dir, { recursive: true, force: true });
    }
  }, 120_000);
});
