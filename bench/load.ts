/**
 * Load: `sessions` concurrent SFTP sessions (ssh2's client) each uploading `photos` distinct
 * photos while `web` signed-in clients search, open profiles and load profile photos. Counts
 * errors, then checks every upload is there (SFTP listing + READ sha256, /api/users). The
 * reference, same run: the same web clients on the same appliance with no uploads running.
 * Each web client pauses about `think-ms` (0.5–1.5×) before each request, like a person clicking.
 *
 *   npx tsx bench/load.ts [--sessions 20] [--photos 500] [--web 50] [--think-ms 1000] [--idle-seconds 10] [--exe dist/idphotos]
 *
 * Prints Markdown tables (gathered by `npm run bench`) and one JSON line.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makeApplianceDir, startAppliance, WEB_ADMIN, WEB_STAFF } from '../scripts/proof/lib/appliance.ts';
import { rosterCsv, seededJpeg, sha256 } from '../scripts/proof/lib/fixtures.ts';
import { connectSftp } from '../scripts/proof/lib/sftp-client.ts';
import { sqliteJson } from '../scripts/proof/lib/sqlite-cli.ts';
import { signIn, type WebSession } from '../scripts/proof/lib/web-client.ts';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '20' },
    photos: { type: 'string', default: '500' },
    web: { type: 'string', default: '50' },
    'idle-seconds': { type: 'string', default: '10' },
    /** Pause between one client's requests, like a person clicking (0: as fast as possible). */
    'think-ms': { type: 'string', default: '1000' },
    exe: { type: 'string' },
  },
});
const SESSIONS = Number(values.sessions);
const PHOTOS = Number(values.photos);
const WEB = Number(values.web);
const IDLE_MS = Number(values['idle-seconds']) * 1000;
const THINK_MS = Number(values['think-ms']);

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

const idOf = (s: number, i: number) => `L${String(s).padStart(2, '0')}${String(i).padStart(4, '0')}`;
const ids = Array.from({ length: SESSIONS }, (_, s) => Array.from({ length: PHOTOS }, (_, i) => idOf(s, i))).flat();

console.error(`making ${ids.length} distinct photos…`);
const photos: Buffer[] = [];
for (let i = 0; i < ids.length; i++) photos.push(await seededJpeg(100_000 + i, 240, 300));
const photoBytes = photos.reduce((n, p) => n + p.length, 0);

const app = await makeApplianceDir({ prefix: 'idphotos-load-', extraToml: '[roster]\nquiet_seconds = 0\nhold_change_percent = 100\n' });
const running = await startAppliance(app, { command: values.exe ? resolve(values.exe) : undefined });
const base = `http://127.0.0.1:${running.webPort}`;
const dbPath = `${app.dataDir}/idphotos.db`;

// The roster first, so every photo is matched and searchable.
{
  const c = await connectSftp(running.sftpPort, app.privateKey);
  await c.upload('/incoming/data/students.csv', Buffer.from(rosterCsv(ids, 1)));
  c.end();
  const deadline = Date.now() + 120_000;
  while (sqliteJson<{ n: number }>(dbPath, "SELECT count(*) AS n FROM imports WHERE status = 'applied'")[0]!.n < 1) {
    if (Date.now() > deadline) throw new Error('the roster import did not finish');
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface WebStats {
  search: number[];
  profile: number[];
  photo: number[];
  errors: string[];
}

async function webClient(session: WebSession, seed: number, until: () => boolean, stats: WebStats): Promise<void> {
  let x = seed;
  const pick = () => ids[(x = (x * 1103515245 + 12345) >>> 0) % ids.length]!;
  const timed = async (list: number[], path: string, image = false) => {
    if (THINK_MS) await new Promise((r) => setTimeout(r, THINK_MS * (0.5 + ((x >>> 8) % 1000) / 1000)));
    if (until()) return;
    const t = performance.now();
    try {
      const res = await session.get(path);
      const body = await res.arrayBuffer();
      list.push(performance.now() - t);
      if (res.status !== 200) stats.errors.push(`${path}: ${res.status}`);
      else if (image && body.byteLength === 0) stats.errors.push(`${path}: empty image`);
    } catch (err) {
      stats.errors.push(`${path}: ${(err as Error).message}`);
    }
  };
  while (!until()) {
    const id = pick();
    await timed(stats.search, `/search?q=${id.slice(0, 4 + (x % 3))}&fragment=1`);
    await timed(stats.profile, `/users/${id}`);
    await timed(stats.photo, `/photos/${id}?size=profile`, true);
  }
}

async function runWeb(sessions: WebSession[], until: () => boolean): Promise<WebStats> {
  const stats: WebStats = { search: [], profile: [], photo: [], errors: [] };
  await Promise.all(sessions.map((s, i) => webClient(s, i + 1, until, stats)));
  return stats;
}

console.error(`signing in ${WEB} web clients…`);
const sessions: WebSession[] = [];
for (let i = 0; i < WEB; i++) sessions.push(await signIn(base, i % 10 === 0 ? WEB_ADMIN : WEB_STAFF));

// Reference: the web clients alone.
console.error(`reference: ${WEB} web clients for ${IDLE_MS / 1000} s with no uploads…`);
const idleEnd = Date.now() + IDLE_MS;
const idle = await runWeb(sessions, () => Date.now() > idleEnd);
const idleRequests = idle.search.length + idle.profile.length + idle.photo.length;

// Under load: uploads and web together; the web clients stop when the last upload is acknowledged.
console.error(`load: ${SESSIONS} SFTP sessions × ${PHOTOS} photos with ${WEB} web clients…`);
const uploadMs: number[] = [];
const uploadErrors: string[] = [];
let uploadsDone = false;
const t0 = performance.now();
const uploads = Promise.all(
  Array.from({ length: SESSIONS }, async (_, s) => {
    const c = await connectSftp(running.sftpPort, app.privateKey);
    for (let i = 0; i < PHOTOS; i++) {
      const n = s * PHOTOS + i;
      const t = performance.now();
      try {
        await c.upload(`/incoming/idphotos/${ids[n]}.jpg`, photos[n]!);
        uploadMs.push(performance.now() - t);
      } catch (err) {
        uploadErrors.push(`${ids[n]}.jpg: ${(err as Error).message}`);
      }
    }
    c.end();
  }),
).then(() => {
  uploadsDone = true;
});
const loaded = await runWeb(sessions, () => uploadsDone);
await uploads;
const uploadSeconds = (performance.now() - t0) / 1000;

// Every photo shown and intact: wait until the last renders finish, then check each one.
const shownDeadline = Date.now() + 300_000;
while (sqliteJson<{ n: number }>(dbPath, "SELECT count(*) AS n FROM photo_versions WHERE state = 'pending'")[0]!.n > 0 && Date.now() < shownDeadline) {
  await new Promise((r) => setTimeout(r, 200));
}
const allShownSeconds = (performance.now() - t0) / 1000;
const lost: string[] = [];
const check = await connectSftp(running.sftpPort, app.privateKey);
const listed = new Set((await check.list('/incoming/idphotos')).map((e) => e.filename));
const admin = await signIn(base, WEB_ADMIN);
for (let n = 0; n < ids.length; n++) {
  if (!listed.has(`${ids[n]}.jpg`)) {
    lost.push(`${ids[n]}.jpg not listed`);
    continue;
  }
  const user = await admin.json<{ photo: { source_sha256: string } | null }>(`/api/users/${ids[n]}`);
  if (user.photo?.source_sha256 !== sha256(photos[n]!)) lost.push(`${ids[n]}: current photo is not the upload`);
  if (n % 50 === 0) {
    const bytes = await check.download(`/incoming/idphotos/${ids[n]}.jpg`);
    if (sha256(bytes) !== sha256(photos[n]!)) lost.push(`${ids[n]}.jpg: READ gives other bytes`);
  }
}
check.end();
await running.stop();

const loadedRequests = loaded.search.length + loaded.profile.length + loaded.photo.length;
const ms = (v: number) => `${v.toFixed(0)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
console.log(`\nmachine: ${availableParallelism()} cores, Node ${process.version}; ${SESSIONS} SFTP sessions × ${PHOTOS} photos (${(photoBytes / ids.length / 1024).toFixed(0)} KB each, 240×300), ${WEB} web clients${THINK_MS ? ` pausing ~${THINK_MS} ms between requests` : ' without pauses'}`);
console.log('\n| load | result |');
console.log('|---|---|');
console.log(`| photos uploaded (acknowledged) | ${uploadMs.length} of ${ids.length} in ${uploadSeconds.toFixed(1)} s: ${(uploadMs.length / uploadSeconds).toFixed(0)} photos/s, ${(photoBytes / uploadSeconds / 1024 / 1024).toFixed(1)} MB/s |`);
console.log(`| every photo shown with its display sizes | ${allShownSeconds.toFixed(1)} s after the first upload |`);
console.log(`| upload latency (OPEN → CLOSE acknowledged) | p50 ${ms(pct(uploadMs, 50))}, p95 ${ms(pct(uploadMs, 95))} |`);
console.log(`| errors | ${uploadErrors.length} SFTP, ${loaded.errors.length + idle.errors.length} web |`);
console.log(`| lost or damaged photos | ${lost.length} |`);
console.log('\n| web request (p95) | no uploads (reference) | under load | ratio |');
console.log('|---|---|---|---|');
for (const [name, a, b] of [['search (fragment)', idle.search, loaded.search], ['profile page', idle.profile, loaded.profile], ['profile photo', idle.photo, loaded.photo]] as const) {
  console.log(`| ${name} | ${ms(pct(a, 95))} (p50 ${ms(pct(a, 50))}) | ${ms(pct(b, 95))} (p50 ${ms(pct(b, 50))}) | ${ratio(pct(b, 95), pct(a, 95))} |`);
}
console.log(`| requests per second, all clients | ${(idleRequests / (IDLE_MS / 1000)).toFixed(0)} | ${(loadedRequests / uploadSeconds).toFixed(0)} | ${ratio(loadedRequests / uploadSeconds, idleRequests / (IDLE_MS / 1000))} |`);
console.log(
  JSON.stringify({
    bench: 'load',
    sessions: SESSIONS,
    photos: ids.length,
    web: WEB,
    uploaded: uploadMs.length,
    seconds: +uploadSeconds.toFixed(1),
    photosPerSecond: +(uploadMs.length / uploadSeconds).toFixed(1),
    uploadP95: +pct(uploadMs, 95).toFixed(0),
    webP95: { search: +pct(loaded.search, 95).toFixed(0), profile: +pct(loaded.profile, 95).toFixed(0), photo: +pct(loaded.photo, 95).toFixed(0) },
    errors: uploadErrors.length + loaded.errors.length + idle.errors.length,
    lost: lost.length,
  }),
);
for (const e of [...uploadErrors, ...loaded.errors, ...idle.errors].slice(0, 10)) console.error(`error: ${e}`);
for (const l of lost.slice(0, 10)) console.error(`lost: ${l}`);
if (uploadErrors.length || loaded.errors.length || idle.errors.length || lost.length) process.exitCode = 1;
