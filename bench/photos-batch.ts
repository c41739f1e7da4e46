/**
 * A batch of photos (about 150 KB each, 600×800) uploaded with OpenSSH's `sftp -b`, by one client
 * and by 4 clients at once, to OpenSSH's sshd (internal-sftp: the reference, same run) and to
 * idphotos. For idphotos the clock also runs from the last upload's CLOSE until every photo is
 * current with all its display sizes (the "≤ 2 s after the last upload closes").
 *
 *   node --import tsx bench/photos-batch.ts [photos=1000]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/storage/db.ts';
import { photoSet, startAppliance, startSshd, type Appliance, type Endpoint } from './photos-lib.ts';
import { reportTarget } from './targets-lib.ts';

const COUNT = Number(process.argv[2] ?? 1000);
const dir = mkdtempSync(join(tmpdir(), 'idphotos-bench-batch-'));
const { dir: photos, names } = await photoSet(COUNT, 'batch');

/** Runs `clients` OpenSSH sftp processes at once, each putting its share; resolves with seconds. */
async function upload(e: Endpoint, username: string, clients: number): Promise<number> {
  const shares = Array.from({ length: clients }, (_, c) => names.filter((_, i) => i % clients === c));
  const opts = ['-P', String(e.port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'IdentitiesOnly=yes', '-i', e.keyFile];
  const started = performance.now();
  await Promise.all(
    shares.map(
      (share, c) =>
        new Promise<void>((resolve, reject) => {
          const batch = join(dir, `batch-${e.port}-${clients}-${c}.txt`);
          writeFileSync(batch, share.map((n) => `put ${n} ${e.target}/${n}`).join('\n') + '\n');
          const child = spawn('sftp', [...opts, '-b', batch, `${username}@127.0.0.1`], { cwd: photos, stdio: ['ignore', 'ignore', 'pipe'] });
          let err = '';
          child.stderr.on('data', (d) => (err += d));
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sftp exited ${code}: ${err}`))));
        }),
    ),
  );
  return (performance.now() - started) / 1000;
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Seconds from now until every photo is current and all its display files exist. */
async function allReady(app: Appliance): Promise<number> {
  const started = performance.now();
  const db = openDatabase(join(app.dataDir, 'idphotos.db'), { migrate: false });
  try {
    for (;;) {
      const rows = db.all<{ sha: string }>("SELECT v.source_sha256 AS sha FROM photos p JOIN photo_versions v ON v.id = p.version_id WHERE v.state = 'ready'");
      if (rows.length === COUNT) {
        const missing = rows.filter((r) => !['thumb', 'profile', 'full'].every((s) => existsSync(join(app.dataDir, 'photos', 'sha256', r.sha.slice(0, 2), `${r.sha}.${s}.jpg`))));
        if (missing.length === 0) return (performance.now() - started) / 1000;
        throw new Error(`${missing.length} current photos lack display files`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    db.close();
  }
}

const results: string[] = [];
const measured: Array<{ clients: number; refSeconds: number; ourSeconds: number; after: number }> = []; // targets table
try {
  for (const clients of [1, 4]) {
    const sshd = await startSshd(join(dir, `sshd-${clients}`));
    const refSeconds = await upload(sshd, process.env.USER ?? 'root', clients);
    await sshd.stop();

    const app = await startAppliance(join(dir, `app-${clients}`));
    app.addUsers(names.map((n) => n.replace(/\.jpg$/, '')));
    const cpuBefore = cpuSeconds(app.child.pid!);
    const ourSeconds = await upload(app, 'district', clients);
    const after = await allReady(app);
    const cpuMs = ((cpuSeconds(app.child.pid!) - cpuBefore) * 1000) / COUNT;
    await app.stop();
    measured.push({ clients, refSeconds, ourSeconds, after });

    results.push(
      `| ${clients} | ${refSeconds.toFixed(1)} s (${Math.round(COUNT / refSeconds)}/s) | ${ourSeconds.toFixed(1)} s (${Math.round(COUNT / ourSeconds)}/s) | ${(ourSeconds / refSeconds).toFixed(1)}× | ${(after * 1000).toFixed(0)} ms | ${cpuMs.toFixed(1)} ms |`,
    );
  }
  console.log(`\n${COUNT} photos of ~150 KB (600×800 JPEG), OpenSSH sftp -b put, key auth; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  console.log('| sftp clients at once | OpenSSH sshd (reference) | idphotos (all display sizes written) | ratio | last CLOSE → every size ready | idphotos CPU per photo |');
  console.log('|---|---|---|---|---|---|');
  for (const r of results) console.log(r);
  // targets table (bench/targets-lib.ts)
  for (const m of measured) {
    const id = m.clients === 1 ? 'batch-1-plain' : 'batch-4-plain';
    reportTarget(id, { reference: `OpenSSH ${m.refSeconds.toFixed(2)} s`, ours: `${m.ourSeconds.toFixed(2)} s`, ratio: m.ourSeconds / m.refSeconds, value: m.ourSeconds / m.refSeconds });
    const ready = { ours: `${(m.after * 1000).toFixed(0)} ms`, value: m.after * 1000, note: 'last CLOSE → every display size of every photo ready' };
    reportTarget(m.clients === 1 ? 'batch-1-visible' : 'batch-4-ready', ready);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
