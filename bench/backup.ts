/**
 * Backup benchmark: `idphotos backup` (writeBackup, in process) of a data_dir holding N photos and
 * a roster, against `cp -a` of the same folder followed by `sync -f` (what the backup also ends
 * with), in the same run, rounds alternating. Prints a Markdown table for docs/BENCHMARKS.md.
 *
 *   node --import tsx bench/backup.ts [photos] [runs]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBackup } from '../src/domain/backup/backup.ts';
import { openStorage } from '../src/storage/index.ts';
import { photoSet, ROOT } from './photos-lib.ts';

const PHOTOS = Number(process.argv[2] ?? 1000);
const RUNS = Number(process.argv[3] ?? 3);
const USERS = 20_000;
const BIN = join(ROOT, 'bin', 'idphotos.js');

function cli(args: string[], cwd: string): void {
  const r = spawnSync(process.execPath, [BIN, ...args, '--config', join(cwd, 'appliance.toml')], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0 && !(args[0] === 'photos' && r.status === 1)) throw new Error(`idphotos ${args[0]} failed: ${r.stderr}`);
}

function seconds(fn: () => void): number {
  const started = performance.now();
  fn();
  return (performance.now() - started) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const work = mkdtempSync(join(tmpdir(), 'idphotos-bench-backup-'));
try {
  process.stderr.write(`setting up a data_dir with ${PHOTOS} photos and ${USERS} users…\n`);
  writeFileSync(join(work, 'appliance.toml'), '[log]\nlevel = "error"\n');
  const lines = ['Local ID,First Name,Last Name,Grade,Building'];
  for (let i = 0; i < USERS; i++) lines.push(`B${String(i + 1).padStart(6, '0')},First${i},Last${i},${String((i % 12) + 1).padStart(2, '0')},School ${i % 8}`);
  writeFileSync(join(work, 'students.csv'), `${lines.join('\r\n')}\r\n`);
  cli(['import', join(work, 'students.csv')], work);
  const { dir, names } = await photoSet(PHOTOS);
  cli(['photos', 'add', ...names.map((n) => join(dir, n))], work);
  const data = join(work, 'data');
  const storage = openStorage(join(data, 'idphotos.db'), { migrate: false });

  const ours: number[] = [];
  const reference: number[] = [];
  let files = 0;
  let bytes = 0;
  for (let round = 0; round < RUNS; round++) {
    const run = () => {
      const dest = join(work, `backup-${round}`);
      ours.push(
        seconds(() => {
          const b = writeBackup(storage, data, dest);
          files = b.files;
          bytes = b.bytes;
        }),
      );
      rmSync(dest, { recursive: true, force: true });
    };
    const copy = () => {
      const dest = join(work, `copy-${round}`);
      reference.push(
        seconds(() => {
          if (spawnSync('cp', ['-a', data, dest]).status !== 0) throw new Error('cp -a failed');
          spawnSync('sync', ['-f', dest]);
        }),
      );
      rmSync(dest, { recursive: true, force: true });
    };
    if (round % 2) (run(), copy());
    else (copy(), run());
  }
  storage.close();

  const ref = median(reference);
  const mine = median(ours);
  console.log(`data_dir: ${PHOTOS} photos (as uploaded, 3 display sizes each) and ${USERS} users; ${files} files, ${(bytes / 1024 / 1024).toFixed(0)} MiB; median of ${RUNS} rounds, alternating`);
  console.log('');
  console.log('| copy | wall time | vs `cp -a` |');
  console.log('|---|---|---|');
  console.log(`| \`cp -a\` of data_dir, then \`sync -f\` (reference; not consistent while the appliance writes) | ${ref.toFixed(2)} s | 1.00× |`);
  console.log(`| \`idphotos backup\` (two passes, database snapshot, checks, \`sync -f\`) | ${mine.toFixed(2)} s | ${(mine / ref).toFixed(2)}× |`);
  console.log('');
  console.log(`Rounds (s): cp -a ${reference.map((s) => s.toFixed(2)).join(' / ')}; backup ${ours.map((s) => s.toFixed(2)).join(' / ')}. Load average: ${loadavg().map((l) => l.toFixed(1)).join(' ')}.`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
