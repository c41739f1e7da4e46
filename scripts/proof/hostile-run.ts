/**
 * Runs the hostile corpus against a live appliance (a child process) with prior data in place,
 * then checks the prior data is intact, the process never died and nothing hit an unexpected
 * code path.
 *
 *   npx tsx scripts/proof/hostile-run.ts          # prints each case and the counts
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { logLines, makeApplianceDir, startAppliance, WEB_ADMIN, WEB_STAFF } from './lib/appliance.ts';
import { seededJpeg, sha256 } from './lib/fixtures.ts';
import { connectSftp, SftpRefusal, type SftpConnection } from './lib/sftp-client.ts';
import { databaseProblems, sqliteJson } from './lib/sqlite-cli.ts';
import { signIn } from './lib/web-client.ts';
import { countByCategory, GotThrough, hostileCorpus, PRIOR, priorRoster, type Category, type ImportRow, type Outcome, type Target } from './hostile-corpus.ts';

export const MAX_PHOTO_BYTES = 256 * 1024;
const CANARY = '/tmp/idphotos-hostile-canary.jpg';

export interface CaseResult extends Partial<Outcome> {
  category: Category;
  title: string;
  failure?: string;
}

export interface HostileReport {
  counts: Record<Category, number>;
  results: CaseResult[];
  failures: string[];
}

export async function runHostile(opts: { log?: (line: string) => void; only?: Category } = {}): Promise<HostileReport> {
  const log = opts.log ?? (() => undefined);
  rmSync(CANARY, { force: true });
  const app = await makeApplianceDir({ prefix: 'idphotos-hostile-', sftpToml: `max_photo_bytes = ${MAX_PHOTO_BYTES}`, extraToml: '[roster]\nquiet_seconds = 0\n' });
  const running = await startAppliance(app);
  const dbPath = join(app.dataDir, 'idphotos.db');
  const failures: string[] = [];
  let conn: SftpConnection | undefined;
  const sftp = async () => {
    if (!conn) {
      conn = await connectSftp(running.sftpPort, app.privateKey);
      void conn.closed.then(() => (conn = undefined));
    }
    return conn;
  };
  const importCsv = async (bytes: Buffer): Promise<ImportRow> => {
    const sha = sha256(bytes);
    try {
      await (await sftp()).upload('/incoming/data/students.csv', bytes);
    } catch (err) {
      if (err instanceof SftpRefusal && err.code !== undefined) return { id: 0, status: 'refused', reason: `refused at upload: ${err.message}`, rows: 0, added: 0, error_count: 0 };
      throw err;
    }
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const row = sqliteJson<ImportRow>(dbPath, `SELECT id, status, reason, rows, added, error_count FROM imports WHERE sha256 = '${sha}' AND in_progress = 0 ORDER BY id DESC LIMIT 1`)[0];
      if (row) return row;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('no import was recorded within 120 s');
  };
  const base = `http://127.0.0.1:${running.webPort}`;
  try {
    // Prior data: a roster, photos for some of it.
    const roster = await importCsv(Buffer.from(priorRoster()));
    if (roster.status !== 'applied') throw new Error(`prior roster: ${roster.status} ${roster.reason}`);
    const priorPhotos = new Map<string, string>();
    for (const [i, id] of PRIOR.withPhotos.entries()) {
      const bytes = await seededJpeg(900 + i);
      await (await sftp()).upload(`/incoming/idphotos/${id}.jpg`, bytes);
      priorPhotos.set(id, sha256(bytes));
    }
    const priorIds = [...PRIOR.ids, 'Jos\u00e9', ...PRIOR.scriptNames.map((u) => u.id)];
    const usersSql = `SELECT * FROM users WHERE local_id IN (${priorIds.map((id) => `'${id}'`).join(',')}) ORDER BY local_id`;
    const priorUsers = JSON.stringify(sqliteJson(dbPath, usersSql));
    const t: Target = {
      sftp,
      base,
      admin: await signIn(base, WEB_ADMIN),
      staff: await signIn(base, WEB_STAFF),
      importCsv,
      users: (where) => sqliteJson(dbPath, `SELECT * FROM users WHERE ${where}`),
      canary: CANARY,
      priorPhotos,
    };

    const cases = (await hostileCorpus(MAX_PHOTO_BYTES)).filter((c) => !opts.only || c.category === opts.only);
    const results: CaseResult[] = [];
    for (const c of cases) {
      const started = Date.now();
      try {
        const outcome = await c.run(t);
        results.push({ category: c.category, title: c.title, ...outcome });
        log(`ok   [${c.category}] ${c.title}: ${outcome.verdict} — ${outcome.message.slice(0, 160)} (${Date.now() - started} ms)`);
      } catch (err) {
        const why = err instanceof GotThrough ? err.message : `the case errored: ${(err as Error).stack ?? err}`;
        results.push({ category: c.category, title: c.title, failure: why });
        failures.push(`[${c.category}] ${c.title}: ${why}`);
        log(`FAIL [${c.category}] ${c.title}: ${why}`);
      }
      if (running.child.exitCode !== null || running.child.signalCode !== null) {
        failures.push(`the appliance died during "${c.title}"`);
        break;
      }
    }

    // Prior data intact.
    const c = await sftp();
    for (const [id, sha] of priorPhotos) {
      const bytes = await c.download(`/incoming/idphotos/${id}.jpg`).catch((e: Error) => Buffer.from(`missing: ${e.message}`));
      if (sha256(bytes) !== sha) failures.push(`prior photo ${id}.jpg changed or vanished`);
      const user = await t.admin.json<{ photo: { source_sha256: string } | null }>(`/api/users/${encodeURIComponent(id)}`);
      if (user.photo?.source_sha256 !== sha) failures.push(`prior photo of ${id} is no longer current`);
    }
    if (JSON.stringify(sqliteJson(dbPath, usersSql)) !== priorUsers) failures.push('prior users changed');
    if (existsSync(CANARY)) failures.push(`${CANARY} was created`);
    failures.push(...databaseProblems(dbPath));
    const unexpected = logLines(running.output()).filter((l) => /unexpected error|request failed|uncaught/i.test(String(l.msg)));
    for (const l of unexpected) failures.push(`unexpected error in the log: ${String(l.msg)} ${JSON.stringify(l.err ?? {}).slice(0, 300)}`);
    conn?.end();
    const stopped = await running.stop();
    if (stopped.code !== 0) failures.push(`the appliance exited with ${stopped.code ?? stopped.signal} on SIGTERM`);
    if (failures.length === 0) rmSync(app.dir, { recursive: true, force: true });
    return { counts: countByCategory(cases), results, failures };
  } catch (err) {
    await running.kill9();
    throw err;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = await runHostile({ log: (l) => console.log(l), only: process.argv[2] as Category | undefined });
  console.log(JSON.stringify({ counts: report.counts, total: report.results.length }));
  if (report.failures.length) {
    console.log('\nFAILURES:');
    for (const f of report.failures) console.log(`  - ${f}`);
    process.exit(1);
  }
}
