import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logLines, makeApplianceDir, startAppliance, type ApplianceDir, type Running } from '../../scripts/proof/lib/appliance.ts';
import { between, seededRandom } from '../../scripts/proof/lib/rng.ts';
import { connectSftp } from '../../scripts/proof/lib/sftp-client.ts';
import { sqliteJson } from '../../scripts/proof/lib/sqlite-cli.ts';

const KILLS = Number(process.env.APPLY_CRASH_KILLS ?? 8);
const ROWS = 20_000;

/** A students.csv whose every first name says its generation: each new one changes every user. */
function roster(gen: number): Buffer {
  const lines = ['Local ID,First Name,Last Name'];
  for (let i = 0; i < ROWS; i++) lines.push(`A${String(i).padStart(5, '0')},Gen${gen},Apply`);
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}

/** Waits until the roster file in the data folder has been imported (catch-up after a start). */
async function caughtUp(app: ApplianceDir): Promise<void> {
  const file = join(app.dataDir, 'incoming', 'data', 'students.csv');
  const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
  const db = join(app.dataDir, 'idphotos.db');
  await expect.poll(() => sqliteJson(db, `SELECT id FROM imports WHERE sha256 = '${sha}' AND in_progress = 0`).length, { timeout: 60_000 }).toBeGreaterThan(0);
}

function applying(app: ApplianceDir): string[] {
  const dir = join(app.dataDir, 'imports', 'applying');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** What must hold once a start has caught up, whatever moment the kill hit. */
function problems(app: ApplianceDir, running: Running): string[] {
  const db = join(app.dataDir, 'idphotos.db');
  const found: string[] = [];
  const rows = sqliteJson<{ id: number; status: string; in_progress: number }>(db, "SELECT id, status, in_progress FROM imports WHERE file = 'students.csv' ORDER BY id");
  for (const r of rows.filter((r) => r.in_progress)) found.push(`import ${r.id} recorded as still in progress`);
  const pending = sqliteJson(db, 'SELECT import_id FROM roster_applies');
  if (pending.length) found.push(`${pending.length} applies still pending`);
  if (applying(app).length) found.push(`staged rows left: ${applying(app).join(', ')}`);
  const gens = sqliteJson<{ first_name: string; n: number }>(db, 'SELECT first_name, count(*) AS n FROM users GROUP BY first_name');
  if (gens.length !== 1 || gens[0]!.n !== ROWS) found.push(`users hold ${gens.map((g) => `${g.n} of ${g.first_name}`).join(', ')}: not one whole roster`);
  // A cut-off apply is finished before the appliance listens: nobody reads half a roster.
  const lines = logLines(running.output());
  const finishing = lines.findIndex((l) => /cut off while it was applied: finishing it/.test(String(l.msg)));
  const listening = lines.findIndex((l) => /^web listening/.test(String(l.msg)));
  if (finishing >= 0 && finishing > listening) found.push('a cut-off apply was finished after the appliance began to listen');
  return found;
}

describe('roster applies under kill -9', () => {
  it('after every restart the users are one whole roster: a cut-off apply is finished before listening, an undecided import leaves the old one', async () => {
    const seed = Number(process.env.APPLY_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`apply crash test: seed ${seed} (APPLY_CRASH_SEED replays it), ${KILLS} kills`);
    const rnd = seededRandom(seed);
    const app = await makeApplianceDir({ prefix: 'idphotos-apply-crash-', extraToml: '[roster]\nquiet_seconds = 0\nhold_change_percent = 100\n' });
    const db = join(app.dataDir, 'idphotos.db');
    const failures: string[] = [];
    let finished = 0;

    let running = await startAppliance(app);
    let conn = await connectSftp(running.sftpPort, app.privateKey);
    await conn.upload('/incoming/data/students.csv', roster(0));
    conn.end();
    await expect.poll(() => sqliteJson(db, "SELECT id FROM imports WHERE status = 'applied'").length, { timeout: 60_000 }).toBe(1);

    for (let gen = 1; gen <= KILLS; gen++) {
      conn = await connectSftp(running.sftpPort, app.privateKey);
      const upload = conn.upload('/incoming/data/students.csv', roster(gen)).catch(() => undefined);
      if (gen % 2 === 0) {
        // Killed after a random moment: while the upload commits, it is read, or compared.
        await new Promise((r) => setTimeout(r, between(rnd, 0, 800)));
      } else {
        // Killed while the accepted import is being applied.
        await expect.poll(() => sqliteJson(db, 'SELECT import_id FROM roster_applies').length, { timeout: 60_000, interval: 10 }).toBe(1);
        await new Promise((r) => setTimeout(r, between(rnd, 0, 100)));
      }
      await running.kill9();
      await upload;
      conn.end();
      running = await startAppliance(app);
      await caughtUp(app);
      if (logLines(running.output()).some((l) => /finishing it/.test(String(l.msg)))) finished++;
      failures.push(...problems(app, running).map((p) => `after kill ${gen}: ${p}`));
    }
    await running.stop();
    expect(failures).toEqual([]);
    console.log(`apply crash test: ${KILLS} kills, ${finished} of them cut an accepted apply that the next start finished`);
    expect(finished).toBeGreaterThan(0);
  }, 600_000);
});
