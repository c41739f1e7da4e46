/**
 * Full disk: the data folder on a small tmpfs, filled to the last byte by a file the appliance
 * does not know (another program's log, say). Uploads that do not fit must be refused with a
 * clear SFTP status, the current photos and roster stay readable and intact, and once space is
 * freed the appliance takes uploads again without a restart.
 *
 *   npx tsx scripts/proof/full-disk.ts        # as root (mounts a tmpfs); prints the steps
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, truncateSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeApplianceDir, startAppliance, WEB_ADMIN } from './lib/appliance.ts';
import { rosterCsv, seededJpeg, sha256 } from './lib/fixtures.ts';
import { connectSftp, SftpRefusal, type SftpConnection } from './lib/sftp-client.ts';
import { databaseProblems, sqliteJson } from './lib/sqlite-cli.ts';
import { signIn, type WebSession } from './lib/web-client.ts';

export interface FullDiskReport {
  /** Set when the test could not run here (not root, no tmpfs), with the reason. */
  skipped?: string;
  /** What the clients were told while the disk was full. */
  refusals: string[];
  failures: string[];
  steps: string[];
  /** Bugs found and reported, not yet fixed: printed, not failed on. */
  knownIssues: string[];
}

const SIZE_MB = 24;

/** Mounts a tmpfs of `SIZE_MB`; returns its path, or the reason it cannot. */
export function mountSmallDisk(): { dir: string } | { skipped: string } {
  if (process.getuid?.() !== 0) return { skipped: 'not running as root: mounting a size-limited tmpfs needs root' };
  const dir = mkdtempSync(join(tmpdir(), 'idphotos-fulldisk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE_MB}m,mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { skipped: `cannot mount a tmpfs here (${String((err as { stderr?: Buffer }).stderr ?? err).trim()})` };
  }
  return { dir };
}

/** Writes `path` until the filesystem has not one byte left; returns the bytes written. */
function fillDisk(path: string): number {
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (let chunk = 1 << 20; chunk >= 1; ) {
      try {
        written += writeSync(fd, Buffer.alloc(chunk, 0x5a));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        chunk = Math.floor(chunk / 2);
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

export async function runFullDisk(log: (line: string) => void = () => undefined): Promise<FullDiskReport> {
  const mounted = mountSmallDisk();
  if ('skipped' in mounted) return { skipped: mounted.skipped, refusals: [], failures: [], steps: [], knownIssues: [] };
  try {
    return await exercise(mounted, log);
  } catch (err) {
    return { refusals: [], failures: [`the test could not run: ${(err as Error).stack ?? err}`], steps: [], knownIssues: [] };
  } finally {
    execFileSync('umount', [mounted.dir]);
    rmSync(mounted.dir, { recursive: true, force: true });
  }
}

async function exercise(mounted: { dir: string }, log: (line: string) => void): Promise<FullDiskReport> {
  const failures: string[] = [];
  const refusals: string[] = [];
  const steps: string[] = [];
  const step = (s: string) => {
    steps.push(s);
    log(s);
  };
  const dataDir = join(mounted.dir, 'data');
  const app = await makeApplianceDir({ prefix: 'idphotos-fulldisk-conf-', dataDir, extraToml: '[roster]\nquiet_seconds = 0\nhold_change_percent = 100\n' });
  let running = await startAppliance(app);
  const dbPath = join(dataDir, 'idphotos.db');
  const knownIssues: string[] = [];
  const stuck = new Map<string, string>();
  const base = `http://127.0.0.1:${running.webPort}`;
  let conn: SftpConnection | undefined;
  try {
    conn = await connectSftp(running.sftpPort, app.privateKey);
    const ids = Array.from({ length: 30 }, (_, i) => `D${String(i).padStart(4, '0')}`);
    await conn.upload('/incoming/data/students.csv', Buffer.from(rosterCsv(ids, 1)));
    await waitFor(() => sqliteJson<{ n: number }>(dbPath, "SELECT count(*) AS n FROM imports WHERE status = 'applied'")[0]!.n === 1, 'the prior roster import');
    const prior = new Map<string, string>();
    for (const id of ids.slice(0, 6)) {
      const bytes = await seededJpeg(500 + prior.size, 400, 500);
      await conn.upload(`/incoming/idphotos/${id}.jpg`, bytes);
      prior.set(id, sha256(bytes));
    }
    const admin = await signIn(base, WEB_ADMIN);
    await waitShown(admin, [...prior.keys()]);
    const usersBefore = JSON.stringify(sqliteJson(dbPath, 'SELECT * FROM users ORDER BY local_id'));
    step(`prior data: ${ids.length} users, ${prior.size} photos`);

    const ballast = join(mounted.dir, 'ballast.bin');
    const filled = fillDisk(ballast);
    step(`filled the disk: ${(filled / 1024 / 1024).toFixed(1)} MiB of ballast, 0 bytes free`);

    // Uploads that cannot fit: a photo, a larger photo, a roster.
    const attempts: Array<[string, Buffer]> = [
      ['/incoming/idphotos/D0010.jpg', await seededJpeg(610, 600, 800)],
      ['/incoming/idphotos/D0001.jpg', await seededJpeg(611, 400, 500)],
      ['/incoming/data/students.csv', Buffer.from(rosterCsv(ids, 2))],
    ];
    for (const [path, bytes] of attempts) {
      try {
        await conn.upload(path, bytes);
        failures.push(`${path}: accepted with 0 bytes free`);
      } catch (err) {
        if (!(err instanceof SftpRefusal)) throw err;
        if (err.code === undefined) {
          failures.push(`${path}: the connection dropped instead of a refusal (${err.message})`);
          conn = await connectSftp(running.sftpPort, app.privateKey);
          continue;
        }
        refusals.push(`${path}: status ${err.code}: ${err.message}`);
        if (!/disk|space/i.test(err.message)) failures.push(`${path}: refused without saying the disk is full: "${err.message}"`);
      }
    }
    step(`uploads while full: ${refusals.length} refused`);
    for (const r of refusals) step(`  ${r}`);

    // Current photos and roster intact and served while full.
    await checkPrior(conn, admin, prior, failures, 'while full');
    const sig = await admin.get('/search?q=Student1');
    await sig.arrayBuffer();
    if (sig.status !== 200) failures.push(`search answered ${sig.status} while the disk was full`);
    if (JSON.stringify(sqliteJson(dbPath, 'SELECT * FROM users ORDER BY local_id')) !== usersBefore) failures.push('users changed while the disk was full');
    if (running.child.exitCode !== null || running.child.signalCode !== null) failures.push('the appliance died when the disk filled up');
    const leftovers = readdirSync(join(dataDir, 'sftp', 'uploads'));
    if (leftovers.length) failures.push(`refused uploads left ${leftovers.length} temp file(s) in sftp/uploads/`);

    // Space comes back: the same uploads succeed, with no restart.
    unlinkSync(ballast);
    step('freed the ballast');
    for (const [path, bytes] of attempts) {
      try {
        await conn.upload(path, bytes);
      } catch (err) {
        failures.push(`${path}: still refused after space was freed: ${(err as Error).message}`);
      }
    }
    prior.set('D0010', sha256(attempts[0]![1]));
    prior.set('D0001', sha256(attempts[1]![1]));
    await waitShown(admin, ['D0010', 'D0001']).catch((e: Error) => failures.push(e.message));
    await checkPrior(conn, admin, prior, failures, 'after space was freed');
    await waitFor(() => sqliteJson<{ n: number }>(dbPath, "SELECT count(*) AS n FROM users WHERE first_name = 'Gen2'")[0]!.n === ids.length, 'the roster import after space was freed').catch((e: Error) =>
      failures.push(e.message),
    );
    step('after freeing space: photos and roster accepted again without a restart');

    // Nearly full: room for the upload itself but perhaps not for its display images, the
    // database pages or the log. Each upload is then either refused with the reason, or
    // accepted and shown completely; never half-stored.
    for (const [n, slackKb] of [48, 96, 160, 320].entries()) {
      const id = `D00${20 + n}`;
      const bytes = await seededJpeg(700 + n, 400, 500);
      fillDisk(ballast);
      truncateSync(ballast, Math.max(0, statSync(ballast).size - slackKb * 1024));
      let outcome: string;
      try {
        await conn.upload(`/incoming/idphotos/${id}.jpg`, bytes);
        // Acknowledged: it must be shown once rendered, or be refused later in the admin list.
        outcome = await shownOrRefused(admin, id, `${id}.jpg`);
      } catch (err) {
        if (!(err instanceof SftpRefusal) || err.code === undefined) throw err;
        outcome = `refused: ${err.message}`;
        if (!/disk|space/i.test(err.message)) failures.push(`${id}.jpg with ${slackKb} KiB free: refused without saying the disk is full: "${err.message}"`);
      }
      if (outcome.startsWith('shown')) prior.set(id, sha256(bytes));
      step(`  ${slackKb} KiB free, ${(bytes.length / 1024).toFixed(0)} KiB photo: ${outcome}`);
      unlinkSync(ballast);
      if (!outcome.startsWith('shown') && !outcome.startsWith('refused')) {
        // Acknowledged, but its display images did not fit: the render is logged and retried,
        // and the photo is shown once space is freed, without a restart.
        if (!/could not be written; retrying/.test(running.output())) failures.push(`${id}.jpg: the failed render of an acknowledged upload was not logged`);
        try {
          await waitShown(admin, [id], 30_000);
          prior.set(id, sha256(bytes));
          step(`  ${id}.jpg shown once space was freed (its render was retried)`);
        } catch {
          stuck.set(id, sha256(bytes));
          failures.push(`${id}.jpg was acknowledged but not shown within 30 s of freeing space`);
          for (const l of running.output().split('\n').filter((x) => x.includes(id)).slice(-6)) failures.push(`log: ${l.slice(0, 400)}`);
        }
      }
      await checkPrior(conn, admin, prior, failures, `after an upload with ${slackKb} KiB free`);
    }
    conn.end();
    const stopped = await running.stop();
    if (stopped.code !== 0) failures.push(`exit ${stopped.code ?? stopped.signal} on SIGTERM`);
    failures.push(...databaseProblems(dbPath));
    if (stuck.size) {
      // Acknowledged means kept: a restart must finish what the full disk interrupted.
      running = await startAppliance(app);
      const again = await signIn(`http://127.0.0.1:${running.webPort}`, WEB_ADMIN);
      for (const [id, sha] of stuck) {
        const user = await again.json<{ photo: { source_sha256: string } | null }>(`/api/users/${id}`);
        const img = await again.get(`/photos/${id}?size=full`);
        await img.arrayBuffer();
        if (user.photo?.source_sha256 !== sha || img.status !== 200 || img.headers.get('x-photo')) failures.push(`LOST: ${id}.jpg was acknowledged but is not shown even after a restart`);
        else step(`  ${id}.jpg shown after a restart`);
      }
      await running.stop();
    }
  } catch (err) {
    failures.push(`the test could not finish: ${(err as Error).stack ?? err}`);
    const exit = running.child.exitCode ?? running.child.signalCode;
    for (const l of running.output().split('\n').filter((x) => /"level":(50|60)/.test(x)).slice(-4)) failures.push(`log: ${l.slice(0, 700)}`);
    if (exit !== null) failures.push(`the appliance had exited (${exit}); stderr:\n${running.errors().slice(-3000)}`);
    conn?.end();
    await running.kill9();
  } finally {
    rmSync(app.dir, { recursive: true, force: true });
  }
  return { refusals, failures, steps, knownIssues };
}

async function checkPrior(conn: SftpConnection, admin: WebSession, prior: Map<string, string>, failures: string[], when: string): Promise<void> {
  for (const [id, sha] of prior) {
    const bytes = await conn.download(`/incoming/idphotos/${id}.jpg`).catch(() => Buffer.alloc(0));
    if (sha256(bytes) !== sha) failures.push(`${id}.jpg is not its current upload ${when}`);
    const user = await admin.json<{ photo: { source_sha256: string } | null }>(`/api/users/${id}`).catch(() => undefined);
    if (user?.photo?.source_sha256 !== sha) failures.push(`/api/users/${id} does not show its current photo ${when}`);
    const img = await admin.get(`/photos/${id}?size=profile`);
    await img.arrayBuffer();
    if (img.status !== 200 || img.headers.get('x-photo')) failures.push(`GET /photos/${id} answered ${img.status} ${img.headers.get('x-photo') ?? ''} ${when}`);
  }
}

/** "shown" once the display image is served, or "refused: …" once the admin list has it. */
async function shownOrRefused(admin: WebSession, id: string, name: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const r = await admin.get(`/photos/${id}?size=full`);
    await r.arrayBuffer();
    if (r.status === 200 && !r.headers.get('x-photo')) return 'shown';
    const rejected = await admin.json<Array<{ file_name: string; reason: string }>>('/api/photos/rejected?limit=50');
    const hit = rejected.find((x) => x.file_name === name);
    if (hit) return `refused after acknowledgement: ${hit.reason}`;
    await new Promise((res) => setTimeout(res, 100));
  }
  return 'neither shown nor refused within 10 s';
}

async function waitShown(admin: WebSession, ids: string[], ms?: number): Promise<void> {
  for (const id of ids) {
    await waitFor(async () => {
      const r = await admin.get(`/photos/${id}?size=thumb`);
      await r.arrayBuffer();
      return r.status === 200 && !r.headers.get('x-photo');
    }, `the photo of ${id} to be shown`, ms);
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = await runFullDisk((l) => console.log(l));
  if (report.skipped) console.log(`skipped: ${report.skipped}`);
  for (const k of report.knownIssues) console.log(`KNOWN ISSUE: ${k}`);
  if (report.failures.length) {
    console.log('\nFAILURES:');
    for (const f of report.failures) console.log(`  - ${f}`);
    process.exit(1);
  }
}
