/**
 * Close → visible latency on an idle appliance: one photo at a time (about 150 KB, 600×800),
 * uploaded with ssh2's SFTP client; the clock runs from sending CLOSE until `GET /api/users/:id`
 * (asked every 5 ms) shows the new `source_sha256`. Reference, same run: the CLOSE round trip of OpenSSH's sshd
 * (internal-sftp) for the same files — what "the file is there" costs without a photo store.
 *
 * A second reference: the same with fsync@openssh.com before CLOSE (OpenSSH's `put -f`: on disk
 * before the reply). `--before CHECKOUT` also runs the appliance of another checkout, interleaved.
 *
 *   node --import tsx bench/photos-latency.ts [photos=200] [--before CHECKOUT]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect, percentile, photoSet, sha256, startAppliance, startSshd, uploadTimed } from './photos-lib.ts';

const { values: args, positionals } = parseArgs({ allowPositionals: true, options: { before: { type: 'string' } } });
const COUNT = Number(positionals[0] ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'idphotos-bench-latency-'));
const { dir: photos, names } = await photoSet(COUNT + 10, 'latency');
const sshd = await startSshd(join(dir, 'sshd'));
const app = await startAppliance(join(dir, 'app'));
const before = args.before ? await startAppliance(join(dir, 'before'), '', [], undefined, args.before) : undefined;
try {
  app.addUsers(names.map((n) => n.replace(/\.jpg$/, '')));
  before?.addUsers(names.map((n) => n.replace(/\.jpg$/, '')));
  const cookie = await app.signIn();
  const beforeCookie = before && (await before.signIn());
  const user = process.env.USER ?? 'root';
  const ref = await connect(sshd, user);
  const ours = await connect(app, 'district');
  const theirs = before && (await connect(before, 'district'));
  const visible = async (id: string, sha: string, on = app, as = cookie) => {
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${on.webPort}/api/users/${id}`, { headers: { cookie: as } });
      const body = (await res.json()) as { photo: { source_sha256: string } | null };
      if (body.photo?.source_sha256 === sha) return performance.now();
      // Every 5 ms: a tighter loop of signed-in, audited requests competes with the render it waits for.
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const refClose: number[] = [];
  const refFsync: number[] = [];
  const beforeClose: number[] = [];
  const ourClose: number[] = [];
  const ourVisible: number[] = [];
  for (const [i, name] of names.entries()) {
    const bytes = readFileSync(join(photos, name));
    const id = name.replace(/\.jpg$/, '');
    const r = await uploadTimed(ref, `${sshd.target}/${name}`, bytes);
    const f = await uploadTimed(ref, `${sshd.target}/f-${name}`, bytes, true);
    // Each appliance alone: the other's render is over before the next upload starts.
    const b = theirs && (await uploadTimed(theirs, `/incoming/idphotos/${name}`, bytes));
    if (before) await visible(id, sha256(bytes), before, beforeCookie);
    const o = await uploadTimed(ours, `/incoming/idphotos/${name}`, bytes);
    const seen = await visible(id, sha256(bytes));
    if (i < 10) continue; // warm-up
    refClose.push(r.closedAt - r.closeSentAt);
    refFsync.push(f.closedAt - f.closeSentAt);
    if (b) beforeClose.push(b.closedAt - b.closeSentAt);
    ourClose.push(o.closedAt - o.closeSentAt);
    ourVisible.push(seen - o.closeSentAt);
  }
  ref.end();
  ours.end();
  theirs?.end();
  const row = (label: string, xs: number[], refP95: number) =>
    `| ${label} | ${percentile(xs, 50).toFixed(1)} ms | ${percentile(xs, 95).toFixed(1)} ms | ${Math.max(...xs).toFixed(1)} ms | ${(percentile(xs, 95) / refP95).toFixed(1)}× |`;
  const refP95 = percentile(refClose, 95);
  console.log(`\n${COUNT} photos of ~${Math.round(readFileSync(join(photos, names[0]!)).length / 1024)} KB, one at a time, after 10 warm-up uploads\n`);
  console.log('| measured from sending CLOSE | p50 | p95 | max | p95 vs reference |');
  console.log('|---|---|---|---|---|');
  console.log(row('OpenSSH sshd: CLOSE reply (reference)', refClose, refP95));
  console.log(row('OpenSSH sshd: fsync@openssh.com, then CLOSE reply (`put -f`; reference)', refFsync, refP95));
  if (beforeClose.length) console.log(row('idphotos before (`--before` checkout): CLOSE reply', beforeClose, refP95));
  console.log(row('idphotos: CLOSE reply (upload durable and listed)', ourClose, refP95));
  console.log(row('idphotos: `GET /api/users/:id` shows the new source_sha256', ourVisible, refP95));
  const inside = app.ingestMs.slice(10);
  console.log(`\nInside the appliance (commit call → display images made, the "photo accepted" log line; the photo is current before that, at the CLOSE reply): p50 ${percentile(inside, 50)} ms, p95 ${percentile(inside, 95)} ms, max ${Math.max(...inside)} ms; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  await app.stop();
  await before?.stop();
  await sshd.stop();
  rmSync(dir, { recursive: true, force: true });
}
