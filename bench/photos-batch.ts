/**
 * A batch of photos (600×800 JPEGs of ~150 KB) uploaded with OpenSSH's `sftp -b` (one `put` line
 * per photo, key auth), by one client and by 4 clients at once, to a private OpenSSH sshd with
 * internal-sftp (the reference, same run) and to idphotos (`idphotos serve` in its own process).
 * The references: plain `put`, and `put -f`, which asks the server for fsync@openssh.com after
 * each file (what "durable at the reply" costs OpenSSH). For idphotos the clock also runs from the
 * end of the batch until the last photo is visible (current: the viewer shows it) and until every
 * display size is on disk.
 *
 *   node --import tsx bench/photos-batch.ts [photos=1000] [--runs 1] [--clients 1,4]
 *        [--cpu-prof DIR] [--strace DIR] [--toml 'extra appliance.toml lines'] [--before CHECKOUT]
 *
 * `--cpu-prof DIR` writes a V8 CPU profile of the appliance per run into DIR; `--strace DIR` an
 * `strace -c -f` summary of its system calls (fsync counts) per run; `--before CHECKOUT` also
 * runs the appliance of another checkout (with its node_modules), for a before/after ratio
 * measured in the same rounds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/storage/db.ts';
import { photoSet, startAppliance, startSshd, type Appliance, type Endpoint } from './photos-lib.ts';
import { reportTarget } from './targets-lib.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '1' },
    clients: { type: 'string', default: '1,4' },
    'cpu-prof': { type: 'string' },
    strace: { type: 'string' },
    /** Extra appliance.toml lines for idphotos, e.g. `[photos]\nworkers = 1`. */
    toml: { type: 'string', default: '' },
    /** Another checkout of idphotos (an earlier commit) to measure in the same rounds. */
    before: { type: 'string' },
  },
});
const COUNT = Number(positionals[0] ?? 1000);
const RUNS = Number(args.runs);
const CLIENTS = args.clients!.split(',').map(Number);
const dir = mkdtempSync(join(tmpdir(), 'idphotos-bench-batch-'));
const { dir: photos, names } = await photoSet(COUNT, 'batch');
const avgKb = Math.round(names.reduce((t, n) => t + readFileSync(join(photos, n)).length, 0) / names.length / 1024);

/** Runs `clients` OpenSSH sftp processes at once, each putting its share; resolves with seconds. */
async function upload(e: Endpoint, username: string, clients: number, fsync: boolean): Promise<number> {
  const shares = Array.from({ length: clients }, (_, c) => names.filter((_, i) => i % clients === c));
  const opts = ['-P', String(e.port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'IdentitiesOnly=yes', '-i', e.keyFile];
  const put = fsync ? 'put -f' : 'put';
  const started = performance.now();
  await Promise.all(
    shares.map(
      (share, c) =>
        new Promise<void>((resolve, reject) => {
          const batch = join(dir, `batch-${e.port}-${clients}-${c}-${fsync}.txt`);
          writeFileSync(batch, share.map((n) => `${put} ${n} ${e.target}/${n}`).join('\n') + '\n');
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

/**
 * Seconds from now until every photo is current (`visible`: what the viewer shows) and until every
 * current photo has all its display files on disk (`ready`). NB: polled cheaply (a count every
 * 2 ms, then every 10 ms the files of the oldest photos up to the first one not rendered yet):
 * this process shares the two cores with the renders it waits for.
 */
async function afterBatch(app: Appliance): Promise<{ visible: number; ready: number }> {
  const started = performance.now();
  const db = openDatabase(join(app.dataDir, 'idphotos.db'), { migrate: false });
  const sizes = ['thumb', 'profile', 'full'];
  const path = (sha: string, size: string) => join(app.dataDir, 'photos', 'sha256', sha.slice(0, 2), `${sha}.${size}.jpg`);
  try {
    while (db.get<{ n: number }>('SELECT count(*) AS n FROM photos')!.n < COUNT) await new Promise((r) => setTimeout(r, 2));
    const visible = (performance.now() - started) / 1000;
    // Oldest first, as they are rendered: each poll looks at the files up to the first one missing.
    const missing = db.all<{ sha: string }>('SELECT v.source_sha256 AS sha FROM photos p JOIN photo_versions v ON v.id = p.version_id ORDER BY v.seq').map((r) => r.sha);
    for (;;) {
      while (missing.length && sizes.every((size) => existsSync(path(missing[0]!, size)))) missing.shift();
      if (missing.length === 0) return { visible, ready: (performance.now() - started) / 1000 };
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    db.close();
  }
}

/** `strace -c -f` attached to the appliance until stopped; the summary goes to `file`. */
function traceSyscalls(pid: number, file: string): () => Promise<void> {
  const child: ChildProcess = spawn('strace', ['-c', '-f', '-o', file, '-p', String(pid)], { stdio: 'ignore' });
  return () =>
    new Promise((resolve) => {
      child.on('exit', () => resolve());
      child.kill('SIGINT');
    });
}

interface Measured {
  seconds: number;
  visible: number;
  ready: number;
  cpuMs: number;
}

interface Round {
  put: number;
  putF: number;
  ours: number;
  oursF?: number;
  visible: number;
  ready: number;
  cpuMs: number;
  before?: Measured;
}

/** One batch into a fresh appliance (of `root`, this checkout by default), with its after-batch times. */
async function measure(name: string, clients: number, nodeArgs: string[] = [], root?: string, trace?: string): Promise<Measured> {
  const app = await startAppliance(join(dir, name), args.toml!, nodeArgs, undefined, root);
  app.addUsers(names.map((n) => n.replace(/\.jpg$/, '')));
  const stopTrace = trace ? traceSyscalls(app.child.pid!, trace) : undefined;
  if (stopTrace) await new Promise((r) => setTimeout(r, 500));
  const cpuBefore = cpuSeconds(app.child.pid!);
  const seconds = await upload(app, 'district', clients, false);
  const { visible, ready } = await afterBatch(app);
  const cpuMs = ((cpuSeconds(app.child.pid!) - cpuBefore) * 1000) / COUNT;
  await stopTrace?.();
  await app.stop();
  return { seconds, visible, ready, cpuMs };
}
const rounds = new Map<number, Round[]>();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const loadBefore = loadavg().map((l) => l.toFixed(1)).join(' ');

try {
  for (let run = 0; run < RUNS; run++) {
    for (const clients of CLIENTS) {
      const sshd = await startSshd(join(dir, `sshd-${clients}-${run}`));
      const put = await upload(sshd, process.env.USER ?? 'root', clients, false);
      const putF = await upload(sshd, process.env.USER ?? 'root', clients, true);
      await sshd.stop();

      const profDir = args['cpu-prof'] && join(args['cpu-prof'], `clients-${clients}-run-${run}`);
      if (profDir) mkdirSync(profDir, { recursive: true });
      if (args.strace) mkdirSync(args.strace, { recursive: true });
      const trace = args.strace ? join(args.strace, `clients-${clients}-run-${run}.txt`) : undefined;
      const { seconds: ours, visible, ready, cpuMs } = await measure(`app-${clients}-${run}`, clients, profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [], undefined, trace);
      const before = args.before ? await measure(`before-${clients}-${run}`, clients, [], args.before) : undefined;

      // idphotos with `put -f`: its fsync@openssh.com answered, the upload as durable as before.
      let oursF: number | undefined;
      if (clients === 1) {
        const again = await startAppliance(join(dir, `app-f-${clients}-${run}`), args.toml!);
        again.addUsers(names.map((n) => n.replace(/\.jpg$/, '')));
        oursF = await upload(again, 'district', clients, true);
        await afterBatch(again);
        await again.stop();
      }
      rounds.set(clients, [...(rounds.get(clients) ?? []), { put, putF, ours, oursF, visible, ready, cpuMs, before }]);
    }
  }

  const s = (x: number) => `${x.toFixed(2)} s`;
  const ms = (x: number) => `${Math.round(x * 1000)} ms`;
  const lines = [
    `${COUNT} photos of ~${avgKb} KB (600×800 JPEG), OpenSSH sftp -b with one put line per photo, key auth; median of ${RUNS} round(s); load average ${loadBefore} before, ${loadavg().map((l) => l.toFixed(1)).join(' ')} after`,
    '',
    '| batch | wall time | vs OpenSSH `put` | vs OpenSSH `put -f` | target |',
    '|---|---|---|---|---|',
  ];
  const after = ['', '| batch | end of batch → last photo visible | → every display size on disk | idphotos CPU per photo |', '|---|---|---|---|'];
  for (const [clients, rs] of rounds) {
    const put = median(rs.map((r) => r.put));
    const putF = median(rs.map((r) => r.putF));
    const ours = median(rs.map((r) => r.ours));
    const label = clients === 1 ? '1 client' : `${clients} clients`;
    lines.push(`| ${label}: OpenSSH sshd, \`put\` (reference) | ${s(put)} | 1.00× | ${(put / putF).toFixed(2)}× | |`);
    lines.push(`| ${label}: OpenSSH sshd, \`put -f\` (fsync each file; reference) | ${s(putF)} | ${(putF / put).toFixed(2)}× | 1.00× | |`);
    const target = clients === 1 ? `≤ 1.5× \`put\`, ≤ 1.0× \`put -f\`: ${ours / put <= 1.5 && ours / putF <= 1.0 ? 'met' : 'not met'}` : `≤ 1.5× \`put\`: ${ours / put <= 1.5 ? 'met' : 'not met'}`;
    lines.push(`| ${label}: idphotos, \`put\` (checked and durable at each CLOSE reply) | ${s(ours)} | ${(ours / put).toFixed(2)}× | ${(ours / putF).toFixed(2)}× | ${target} |`);
    if (rs[0]!.before) {
      const b = median(rs.map((r) => r.before!.seconds));
      lines.push(`| ${label}: idphotos before (\`--before\` checkout), \`put\` | ${s(b)} | ${(b / put).toFixed(2)}× | ${(b / putF).toFixed(2)}× | after ÷ before: ${(ours / b).toFixed(2)}× |`);
    }
    const oursF = rs[0]!.oursF === undefined ? undefined : median(rs.map((r) => r.oursF!));
    if (oursF !== undefined) lines.push(`| ${label}: idphotos, \`put -f\` | ${s(oursF)} | ${(oursF / put).toFixed(2)}× | ${(oursF / putF).toFixed(2)}× | |`);
    const visible = median(rs.map((r) => r.visible));
    const ready = median(rs.map((r) => r.ready));
    const afterTarget = clients === 1 ? `target ≤ 50 ms: ${visible <= 0.05 ? 'met' : 'not met'}` : `target ≤ 1 s: ${ready <= 1 ? 'met' : 'not met'}`;
    after.push(`| ${label} | ${ms(visible)}${clients === 1 ? ` (${afterTarget})` : ''} | ${ms(ready)}${clients === 1 ? '' : ` (${afterTarget})`} | ${median(rs.map((r) => r.cpuMs)).toFixed(1)} ms |`);
    if (rs[0]!.before) {
      const m = (k: keyof Measured) => median(rs.map((r) => r.before![k]));
      after.push(`| ${label}, before (\`--before\` checkout) | ${ms(m('visible'))} | ${ms(m('ready'))} | ${m('cpuMs').toFixed(1)} ms |`);
    }
    if (RUNS > 1) {
      const each = (k: keyof Round) => rs.map((r) => (r[k] as number).toFixed(2)).join(' / ');
      after.push(`| ${label}, rounds (s) | put ${each('put')}; put -f ${each('putF')}; idphotos ${each('ours')} | ready ${each('ready')} | |`);
    }
  }
  console.log(`\n${[...lines, ...after].join('\n')}`);
  // targets table (bench/targets-lib.ts)
  for (const [clients, rs] of rounds) {
    const [put, putF, ours] = [median(rs.map((r) => r.put)), median(rs.map((r) => r.putF)), median(rs.map((r) => r.ours))];
    reportTarget(clients === 1 ? 'batch-1-plain' : 'batch-4-plain', { reference: `OpenSSH \`put\` ${s(put)}`, ours: s(ours), ratio: ours / put, value: ours / put });
    if (clients === 1) {
      reportTarget('batch-1-fsync', { reference: `OpenSSH \`put -f\` ${s(putF)}`, ours: s(ours), ratio: ours / putF, value: ours / putF });
      reportTarget('batch-1-visible', { ours: ms(median(rs.map((r) => r.visible))), value: median(rs.map((r) => r.visible)) * 1000, note: 'end of batch → last photo visible' });
    } else reportTarget('batch-4-ready', { ours: ms(median(rs.map((r) => r.ready))), value: median(rs.map((r) => r.ready)) * 1000, note: 'end of batch → every display size on disk' });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
