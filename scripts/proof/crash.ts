/**
 * Crash test: the appliance runs as a child process while real SFTP clients upload photos and
 * roster CSVs without pause, and is killed with SIGKILL at seeded random moments (some during
 * start-up, most while uploads and imports run), then started again. At the end it checks that
 * nothing a client saw succeed was lost or damaged, and that the store is consistent.
 *
 *   npm run test:crash                       # 60 kills, fresh seed (printed)
 *   CRASH_SEED=1234 CRASH_KILLS=80 npm run test:crash
 *   CRASH_EXE=dist/idphotos npm run test:crash   # the built executable instead of the sources
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { makeApplianceDir, startAppliance, WEB_ADMIN, type ApplianceDir, type Running } from './lib/appliance.ts';
import { contentMismatch, tempDebris } from './lib/debris.ts';
import { rosterCsv, seededJpeg, sha256 } from './lib/fixtures.ts';
import { between, seededRandom } from './lib/rng.ts';
import { connectSftp, opensshBatch, type SftpConnection } from './lib/sftp-client.ts';
import { databaseProblems, sqliteJson } from './lib/sqlite-cli.ts';
import { signIn } from './lib/web-client.ts';

export interface CrashOptions {
  kills: number;
  seed: number;
  /** Photo uploaders, each with its own Local IDs and one connection at a time. */
  photoWorkers?: number;
  idsPerWorker?: number;
  /** Extra rows in students.csv beyond the photo IDs, so imports take long enough to be cut. */
  fillerRows?: number;
  /** Run this executable instead of `node bin/idphotos.js`. */
  command?: string;
  log?: (line: string) => void;
  keep?: boolean;
}

export interface CrashReport {
  seed: number;
  kills: number;
  /** Kills that landed before the appliance was listening (during start-up). */
  startupKills: number;
  photoUploads: { attempted: number; acknowledged: number };
  csvUploads: { attempted: number; acknowledged: number };
  imports: { applied: number; total: number };
  /** Each a sentence; empty when every check passed. */
  failures: string[];
  dir: string;
}

interface Attempt {
  sha: string;
  acked: boolean;
  /** Generation stamped in a roster upload. */
  gen?: number;
}

const SIZES = ['thumb', 'profile', 'full'] as const;
const CSV_NAME = 'students.csv';
/** photos.history_versions for the run: the most the configuration allows. */
const HISTORY_VERSIONS = 100;

/** Runs the whole crash test and reports; never throws for a failed check (see `failures`). */
export async function runCrashTest(opts: CrashOptions): Promise<CrashReport> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const rnd = seededRandom(opts.seed);
  const workers = opts.photoWorkers ?? 3;
  const idsPerWorker = opts.idsPerWorker ?? 12;
  const ids = Array.from({ length: workers }, (_, w) => Array.from({ length: idsPerWorker }, (_, k) => `S${w + 1}${String(k).padStart(3, '0')}`));
  const allIds = ids.flat();
  const rosterIds = [...allIds, ...Array.from({ length: opts.fillerRows ?? 2000 }, (_, i) => `F${String(i).padStart(6, '0')}`)];
  const app = await makeApplianceDir({
    prefix: 'idphotos-crash-',
    extraToml: `
[photos]
history_versions = ${HISTORY_VERSIONS}
[roster]
quiet_seconds = 0
hold_change_percent = 100
hold_deactivate_percent = 100
`,
  });
  const failures: string[] = [];
  const attempts = new Map<string, Attempt[]>();
  const record = (name: string, a: Attempt) => {
    const list = attempts.get(name) ?? [];
    list.push(a);
    attempts.set(name, list);
    return a;
  };
  let photoSeed = opts.seed * 1000;
  let gen = 0;
  let startupKills = 0;
  log(`crash test: seed ${opts.seed} (CRASH_SEED=${opts.seed} replays it), ${opts.kills} kills, data in ${app.dir}`);

  for (let round = 0; round < opts.kills; round++) {
    const earlyKill = rnd() < 0.15;
    const delay = earlyKill ? between(rnd, 0, 500) : between(rnd, 100, 2500);
    let running: Running | undefined;
    if (earlyKill) {
      let child: ChildProcess | undefined;
      const start = startAppliance(app, { command: opts.command, onSpawn: (c) => (child = c) });
      const timer = new Promise((r) => setTimeout(r, delay));
      const outcome = await Promise.race([start.then((r) => ({ r }), (e: Error) => ({ e })), timer.then(() => undefined)]);
      if (outcome === undefined) {
        // Still starting: kill it mid-start-up (migrations, reconcile, host key …).
        child!.kill('SIGKILL');
        await start.then((r) => r.kill9(), () => undefined);
        startupKills++;
        continue;
      }
      if ('e' in outcome) {
        failures.push(`round ${round}: start-up failed: ${outcome.e.message.slice(0, 800)}`);
        break;
      }
      running = outcome.r;
    } else {
      try {
        running = await startAppliance(app, { command: opts.command });
      } catch (err) {
        failures.push(`round ${round}: start-up failed after a kill: ${(err as Error).message.slice(0, 800)}`);
        break;
      }
    }
    const debris = tempDebris(app.dataDir, running.pid, running.spawnedAt);
    if (debris.length) failures.push(`round ${round}: temp debris after start-up: ${debris.join(', ')}`);

    let killed = false;
    const load: Promise<void>[] = [];
    for (let w = 0; w < workers; w++) {
      load.push(
        photoWorker(running, app, ids[w]!, () => killed, async (id) => {
          const bytes = await seededJpeg(++photoSeed);
          return { name: `${id}.jpg`, bytes };
        }, (name, sha) => record(name, { sha, acked: false }), (msg) => failures.push(`round ${round}: ${msg}`)),
      );
    }
    load.push(
      csvWorker(running, app, rosterIds, () => killed, () => ++gen, rnd, (g, sha) => record(CSV_NAME, { sha, gen: g, acked: false }), (msg) => failures.push(`round ${round}: ${msg}`)),
    );
    await new Promise((r) => setTimeout(r, delay));
    killed = true;
    await running.kill9();
    await Promise.all(load);
    if (process.env.CRASH_VERBOSE) log(`  round ${round}: kill after ${delay} ms; ${countAcked(attempts)} acknowledged`);
    if (round % 10 === 9) log(`  ${round + 1}/${opts.kills} kills; ${countAcked(attempts)} uploads acknowledged so far`);
  }

  // A clean start: recovery runs, imports catch up; then every check.
  let imports = { applied: 0, total: 0 };
  try {
    const running = await startAppliance(app, { command: opts.command });
    const debris = tempDebris(app.dataDir, running.pid, running.spawnedAt);
    if (debris.length) failures.push(`final start: temp debris after start-up: ${debris.join(', ')}`);
    await checkLive(running, app, attempts, allIds, failures);
    const stopped = await running.stop();
    if (stopped.code !== 0) failures.push(`final stop (SIGTERM) exited with ${stopped.code ?? stopped.signal}`);
    imports = checkDatabase(app, attempts, rosterIds.length, failures);
  } catch (err) {
    failures.push(`final checks could not run: ${(err as Error).stack ?? err}`);
  }

  const report: CrashReport = {
    seed: opts.seed,
    kills: opts.kills,
    startupKills,
    photoUploads: tally(attempts, (n) => n !== CSV_NAME),
    csvUploads: tally(attempts, (n) => n === CSV_NAME),
    imports,
    failures,
    dir: app.dir,
  };
  if (!opts.keep && failures.length === 0) rmSync(app.dir, { recursive: true, force: true });
  return report;
}

async function photoWorker(
  running: Running,
  app: ApplianceDir,
  ids: string[],
  stopped: () => boolean,
  make: (id: string) => Promise<{ name: string; bytes: Buffer }>,
  attempt: (name: string, sha: string) => Attempt,
  fail: (msg: string) => void,
): Promise<void> {
  let conn: SftpConnection | undefined;
  try {
    conn = await connectSftp(running.sftpPort, app.privateKey);
  } catch (err) {
    if (!stopped()) fail(`photo client could not connect while the appliance ran: ${(err as Error).message}`);
    return;
  }
  let i = 0;
  while (!stopped()) {
    const id = ids[i++ % ids.length]!;
    const { name, bytes } = await make(id);
    const a = attempt(name, sha256(bytes));
    try {
      await conn.upload(`/incoming/idphotos/${name}`, bytes);
      if (stopped()) break; // an answer racing the kill still counts only if it arrived first
      a.acked = true;
    } catch (err) {
      if (!stopped()) fail(`upload of ${name} refused while the appliance ran: ${(err as Error).message}`);
      break;
    }
  }
  conn.end();
}

async function csvWorker(
  running: Running,
  app: ApplianceDir,
  rosterIds: string[],
  stopped: () => boolean,
  nextGen: () => number,
  rnd: () => number,
  attempt: (gen: number, sha: string) => Attempt,
  fail: (msg: string) => void,
): Promise<void> {
  // Alternate clients: ssh2 in even rounds, OpenSSH's sftp in odd ones.
  const useOpenSsh = rnd() < 0.5;
  const work = join(app.dir, 'csv-out');
  mkdirSync(work, { recursive: true });
  let conn: SftpConnection | undefined;
  if (!useOpenSsh) {
    try {
      conn = await connectSftp(running.sftpPort, app.privateKey);
    } catch (err) {
      if (!stopped()) fail(`CSV client could not connect while the appliance ran: ${(err as Error).message}`);
      return;
    }
  }
  while (!stopped()) {
    const g = nextGen();
    const text = rosterCsv(rosterIds, g);
    const a = attempt(g, sha256(text));
    if (conn) {
      try {
        await conn.upload(`/incoming/data/${CSV_NAME}`, Buffer.from(text));
        if (stopped()) break;
        a.acked = true;
      } catch (err) {
        if (!stopped()) fail(`upload of ${CSV_NAME} refused while the appliance ran: ${(err as Error).message}`);
        break;
      }
    } else {
      writeFileSync(join(work, CSV_NAME), text);
      const r = await opensshBatch(running.sftpPort, app.keyFile, ['cd /incoming/data', `put ${CSV_NAME}`], { cwd: work, timeoutMs: 30_000 });
      if (stopped()) break;
      if (r.code !== 0) {
        fail(`OpenSSH sftp put of ${CSV_NAME} failed while the appliance ran: ${r.stderr.trim()}`);
        break;
      }
      a.acked = true;
    }
    await new Promise((r) => setTimeout(r, between(rnd, 300, 1200)));
  }
  conn?.end();
}

/** What a name may hold now: its last acknowledged upload or anything attempted after it. */
function candidates(list: Attempt[]): { acked?: Attempt; allowed: Set<string> } {
  let last = -1;
  list.forEach((a, i) => {
    if (a.acked) last = i;
  });
  return { acked: last >= 0 ? list[last] : undefined, allowed: new Set(list.slice(Math.max(last, 0)).map((a) => a.sha)) };
}

async function checkLive(running: Running, app: ApplianceDir, attempts: Map<string, Attempt[]>, allIds: string[], failures: string[]): Promise<void> {
  const conn = await connectSftp(running.sftpPort, app.privateKey);
  try {
    // Imports catch up after start; wait until the newest import is of the file in the folder.
    const csv = attempts.get(CSV_NAME) ?? [];
    // NB: read from the data folder on disk: SFTP lists data files but never sends them back.
    const stored = join(app.dataDir, 'incoming', 'data', CSV_NAME);
    const inFolder = csv.length ? sha256(existsSync(stored) ? readFileSync(stored) : Buffer.alloc(0)) : '';
    const csvC = candidates(csv);
    if (csvC.acked && !csvC.allowed.has(inFolder)) failures.push(`/incoming/data/${CSV_NAME} does not hold the last acknowledged upload (gen ${csvC.acked.gen}) or a later one`);
    const deadline = Date.now() + 60_000;
    const dbPath = join(app.dataDir, 'idphotos.db');
    while (csv.length && Date.now() < deadline) {
      const last = sqliteJson<{ sha256: string; status: string }>(dbPath, `SELECT sha256, status FROM imports WHERE file = '${CSV_NAME}' AND in_progress = 0 ORDER BY id DESC LIMIT 1`)[0];
      if (last && last.sha256 === inFolder) break;
      await new Promise((r) => setTimeout(r, 200));
    }

    const listing = new Map((await conn.list('/incoming/idphotos')).map((e) => [e.filename, e]));
    const admin = await signIn(`http://127.0.0.1:${running.webPort}`, WEB_ADMIN);
    for (const id of allIds) {
      const name = `${id}.jpg`;
      const list = attempts.get(name) ?? [];
      const { acked, allowed } = candidates(list);
      const listed = listing.get(name);
      if (!listed) {
        if (acked) failures.push(`LOST: ${name} was acknowledged but is not in /incoming/idphotos/`);
        continue;
      }
      const bytes = await conn.download(`/incoming/idphotos/${name}`);
      const sha = sha256(bytes);
      if (!allowed.has(sha)) failures.push(`${name} holds ${sha.slice(0, 12)}, not its last acknowledged upload or a later attempt`);
      if (listed.attrs.size !== bytes.length) failures.push(`${name}: listing says ${listed.attrs.size} bytes, READ gave ${bytes.length}`);

      const user = await admin.json<{ photo: { source_sha256: string } | null }>(`/api/users/${encodeURIComponent(id)}`);
      if (user.photo?.source_sha256 !== sha) failures.push(`${id}: /api/users says photo ${user.photo?.source_sha256?.slice(0, 12)}, the file is ${sha.slice(0, 12)}`);
      const versions = await admin.json<Array<{ source_sha256: string }>>(`/api/photo-versions/${encodeURIComponent(id)}`);
      const kept = new Set(versions.map((v) => v.source_sha256));
      // History keeps the newest HISTORY_VERSIONS versions: an upload older than all of those
      // was pruned by design (a fast machine makes well over 100 uploads of one name per run).
      // NB: the same bytes may be uploaded again later; a version then counts from its last upload.
      const lastUpload = new Map(list.map((a, i) => [a.sha, i]));
      const oldestKept = Math.min(...[...kept].map((sha) => lastUpload.get(sha) ?? Infinity));
      const pruned = (sha: string) => kept.size >= HISTORY_VERSIONS && lastUpload.get(sha)! < oldestKept;
      list.forEach((a, i) => {
        if (a.acked && !kept.has(a.sha) && !pruned(a.sha)) {
          failures.push(`LOST: an acknowledged upload of ${name} (${a.sha.slice(0, 12)}, upload ${i + 1} of ${list.length}) is not in its history (${kept.size} kept, the oldest of them upload ${oldestKept + 1})`);
        }
      });
      for (const size of SIZES) {
        const res = await admin.get(`/photos/${encodeURIComponent(id)}?size=${size}`);
        const img = Buffer.from(await res.arrayBuffer());
        if (res.status !== 200 || res.headers.get('x-photo') === 'placeholder') {
          failures.push(`${id}: GET /photos?size=${size} answered ${res.status}${res.headers.get('x-photo') ? ' (placeholder)' : ''}`);
          continue;
        }
        const meta = await sharp(img).metadata().catch(() => undefined);
        if (meta?.format !== 'jpeg') failures.push(`${id}: the ${size} display image does not decode as JPEG`);
      }
    }
  } finally {
    conn.end();
  }
}

function checkDatabase(app: ApplianceDir, attempts: Map<string, Attempt[]>, rosterRows: number, failures: string[]): { applied: number; total: number } {
  const db = join(app.dataDir, 'idphotos.db');
  failures.push(...databaseProblems(db));
  const pending = sqliteJson<{ n: number }>(db, "SELECT count(*) AS n FROM photo_versions WHERE state = 'pending'")[0]!.n;
  if (pending) failures.push(`${pending} photo version(s) still pending after a clean start and stop`);
  const ready = sqliteJson<{ source_sha256: string }>(db, "SELECT DISTINCT source_sha256 FROM photo_versions WHERE state = 'ready'");
  const unrendered = sqliteJson<{ source_sha256: string }>(db, 'SELECT DISTINCT source_sha256 FROM photo_renders');
  failures.push(...contentMismatch(app.dataDir, new Set(ready.map((r) => r.source_sha256)), SIZES, new Set(unrendered.map((r) => r.source_sha256))));

  const rows = sqliteJson<{ id: number; sha256: string; status: string; reason: string; in_progress: number }>(db, `SELECT id, sha256, status, reason, in_progress FROM imports WHERE file = '${CSV_NAME}' ORDER BY id`);
  const halfway = rows.filter((r) => r.in_progress);
  if (halfway.length) failures.push(`import(s) ${halfway.map((r) => r.id).join(', ')} recorded as still in progress`);
  const bad = rows.filter((r) => !['applied', 'skipped'].includes(r.status));
  if (bad.length) failures.push(`imports not applied: ${bad.map((r) => `${r.id} ${r.status} (${r.reason})`).join('; ').slice(0, 600)}`);
  const csv = attempts.get(CSV_NAME) ?? [];
  const genOf = new Map(csv.map((a) => [a.sha, a.gen!]));
  const lastApplied = [...rows].reverse().find((r) => r.status === 'applied');
  const gens = sqliteJson<{ first_name: string; n: number }>(db, 'SELECT first_name, count(*) AS n FROM users GROUP BY first_name');
  if (csv.length) {
    // One generation in every row: an import applied halfway would mix two.
    if (gens.length !== 1) failures.push(`users hold ${gens.length} roster generations at once (half-applied import?): ${gens.map((g) => `${g.first_name}×${g.n}`).join(', ')}`);
    const total = gens.reduce((s, g) => s + g.n, 0);
    if (total !== rosterRows) failures.push(`users table has ${total} rows, the roster has ${rosterRows}`);
    const { acked, allowed } = candidates(csv);
    const applied = lastApplied ? genOf.get(lastApplied.sha256) : undefined;
    if (gens.length === 1 && applied !== undefined && gens[0]!.first_name !== `Gen${applied}`) failures.push(`users are ${gens[0]!.first_name} but the last applied import is Gen${applied}`);
    if (acked && (!lastApplied || !allowed.has(lastApplied.sha256))) failures.push(`the last acknowledged roster (Gen${acked.gen}) was never imported (last applied: ${applied === undefined ? 'none' : `Gen${applied}`})`);
  }
  return { applied: rows.filter((r) => r.status === 'applied').length, total: rows.length };
}

function countAcked(attempts: Map<string, Attempt[]>): number {
  let n = 0;
  for (const list of attempts.values()) n += list.filter((a) => a.acked).length;
  return n;
}

function tally(attempts: Map<string, Attempt[]>, pick: (name: string) => boolean): { attempted: number; acknowledged: number } {
  let attempted = 0;
  let acknowledged = 0;
  for (const [name, list] of attempts) {
    if (!pick(name)) continue;
    attempted += list.length;
    acknowledged += list.filter((a) => a.acked).length;
  }
  return { attempted, acknowledged };
}
