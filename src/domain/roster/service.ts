import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { RosterConfig } from '../../config/schema.ts';
import type { UploadRefusal } from '../incoming/folder.ts';
import { AppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Storage } from '../../storage/index.ts';
import type { ImportRow, ImportUpdate, NewImport } from '../../storage/roster-import-store.ts';
import { readFileFacts } from './decode.ts';
import { applyPlan, planStaged, type ApplyTarget, type Plan } from './staged-plan.ts';
import { errorReportCsv } from './error-report.ts';
import { CANONICAL_FILE, rosterKindOf } from './file-kinds.ts';
import { ONEROSTER_COMPANIONS } from './oneroster.ts';
import { parseRosterFile, RefusedFile, type ParsedRoster } from './parse-roster.ts';
import { assertHeld, decideImport, finishImport, heldDir, heldFileOrRefuse, keepHeldFile, supersedeHeld, sweepHeldFiles } from './held-imports.ts';
import { recordSameContent } from './same-content.ts';
import { newWorkFolder, removeDeadWorkCopies, takeWorkCopy } from './work-copies.ts';
import { takeImportLock } from '../../storage/import-lock.ts';
import { openStaging, type Staging } from '../../storage/roster-staging.ts';
import type { RosterApply } from '../../storage/roster-apply-store.ts';
import { fsyncDir, syncFile } from '../../storage/files.ts';
import type { ImportError, ImportRecord, RosterKind } from './types.ts';
import type { Layout } from './layout.ts';
import { describeMap, mappingValueMap, PLAIN } from './value-maps.ts';
import { CHANGE_KINDS, type ChangeKind } from './changes.ts';
import { changeNote, changesCsv, CHANGES_PER_PAGE, type ChangePage } from './change-report.ts';
import { yieldToIo } from '../../shared/yield-to-io.ts';

/** Where an accepted import's staged rows wait until its apply is finished (under the data folder). */
const APPLYING = join('imports', 'applying');
const STAGING_FILE = 'staging.db';
/** Why an import is refused when its staged rows do not fit on the disk. */
const DISK_FULL = 'the disk of the data folder is full: the file could not be staged for comparison (that needs about twice its size free); nothing changed: free space, then upload it again';
/** People deleted from a list per statement (a few milliseconds). */
const CLEAR_CHUNK = 2000;
/**
 * The appliance database's page cache (KiB) while an import runs: it reads and writes each page
 * about once a step, so a larger cache only holds pages it is done with (measured with 100,000
 * rows: 4 MB costs no CPU against 16 MB, under Node and Deno, and the import's peak RSS is
 * 11-27 MiB lower: docs/BENCHMARKS.md). The connection gets its usual cache back afterwards.
 */
const IMPORT_PAGE_CACHE_KIB = 4000;

/** Highest page of an import's people: more than MAX_STORED_CHANGES fill. */
const MAX_CHANGE_PAGE = 1_000_000;

export interface ImportRequest {
  /** The file to read; files that travel with it (OneRoster) are looked for beside it. */
  path: string;
  /** Name it was uploaded as (defaults to the path's base name). */
  file?: string;
  /** Needed when the name is not one of the known roster files (CLI `--kind`). */
  kind?: RosterKind;
  /** `sftp:<account>` or `cli`. */
  origin: string;
}

/** An import with its error lines: the history entry the API and the admin page show. */
export interface ImportDetail extends ImportRecord {
  errors: ImportError[];
}

export interface RosterServiceOptions {
  storage: Pick<Storage, 'tx' | 'users' | 'imports' | 'importChanges' | 'rosterApplies' | 'rosterCompare' | 'autoCheckpoint' | 'checkpoint' | 'pageCache'>;
  config: RosterConfig;
  /** Held files are kept under `<dataDir>/imports/held/<id>/`. */
  dataDir: string;
  log: Logger;
}

/** Approves and discards the held imports of a kind that another importer owns. */
export interface HeldImportHandler {
  approve(id: number, actor: string): Promise<ImportDetail>;
  discard(id: number, actor: string): Promise<ImportDetail>;
}

/** Errors shown per import in a listing; the detail and the CSV report have them all. */
export const LIST_ERRORS = 100;

/**
 * Roster sync: a CSV export in, the users table brought in line with it, a chunk at a time (see apply).
 * Every import is recorded (applied, held, refused, discarded, skipped) with each error line.
 * Imports run one at a time, in the order they were asked for: in one process by a queue, across
 * processes (the server, a CLI import) by a lock (storage/import-lock.ts).
 */
export class RosterService {
  private readonly storage: Pick<Storage, 'tx' | 'users' | 'imports' | 'importChanges' | 'rosterApplies' | 'rosterCompare' | 'autoCheckpoint' | 'checkpoint' | 'pageCache'>;
  private readonly dataDir: string;
  private readonly config: RosterConfig;
  private readonly log: Logger;
  private readonly heldRoot: string;
  private readonly workRoot: string;
  private readonly lockPath: string;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly delegates = new Map<string, HeldImportHandler>();

  constructor(opts: RosterServiceOptions) {
    this.storage = opts.storage;
    this.dataDir = opts.dataDir;
    this.config = opts.config;
    this.log = opts.log;
    this.heldRoot = join(opts.dataDir, 'imports', 'held');
    this.workRoot = join(opts.dataDir, 'imports', 'work');
    this.lockPath = join(opts.dataDir, 'imports', 'roster-lock.db');
  }

  /**
   * Imports one roster file and resolves with its history entry, whatever the outcome: a
   * refused file is a record with status `refused` and the reason, not a thrown error.
   * Throws AppError('invalid') only when the file's kind cannot be told (unknown name, no kind).
   *
   * @example
   * const rec = await roster.importFile({ path: '/exports/students.csv', origin: 'cli' });
   * if (rec.status === 'held') console.log(`approve with: idphotos imports approve ${rec.id}`);
   */
  importFile(req: ImportRequest): Promise<ImportDetail> {
    return this.serial(() => this.runImport(req));
  }

  /** Newest first, each with its first errors (`LIST_ERRORS`). `before` pages to older ones. */
  listImports(opts: { limit?: number; before?: number } = {}): ImportDetail[] {
    const limit = Math.min(Math.max(opts.limit ?? 50, 1), 500);
    return this.storage.imports.listImportRows(limit, opts.before).map((row) => ({ ...toRecord(row), errors: this.storage.imports.listErrors(row.id, LIST_ERRORS) }));
  }

  /** One import with every stored error line. Throws AppError('not_found'). */
  getImport(id: number): ImportDetail {
    const row = this.row(id);
    return { ...toRecord(row), errors: this.storage.imports.listErrors(id) };
  }

  /** The error lines as CSV for a spreadsheet (cells that could run as formulas are neutralised). */
  errorReport(id: number): { fileName: string; csv: string } {
    const row = this.row(id);
    return { fileName: `import-${id}-${row.file.replace(/\.csv$/i, '')}-errors.csv`, csv: errorReportCsv(this.storage.imports.listErrors(id)) };
  }

  /**
   * The people behind an import's counts, one page of one kind (every kind when none is given).
   * Throws AppError('not_found') for no such import, AppError('invalid') for a bad kind or page.
   */
  changes(id: number, opts: { kind?: string | undefined; page?: number | undefined } = {}): ChangePage {
    const row = this.row(id);
    const kind = changeKind(opts.kind);
    const page = opts.page ?? 1;
    // NB: bounded so the offset stays an integer SQLite takes (page=1e300 would be a database error).
    if (!Number.isSafeInteger(page) || page < 1 || page > MAX_CHANGE_PAGE) throw new AppError('invalid', `page must be a whole number from 1 to ${MAX_CHANGE_PAGE}`);
    const counts = this.storage.importChanges.countChanges(id);
    const total = kind ? counts[kind] : CHANGE_KINDS.reduce((n, k) => n + counts[k], 0);
    return {
      import_id: id,
      status: row.status,
      applied: row.status === 'applied',
      note: listDropped(row, counts) ? `${changeNote(row.status) ? `${changeNote(row.status)}; ` : ''}the list of who was dropped: it is kept for the newest imports only (1,000,000 people at most); the counts stay` : changeNote(row.status),
      kind: kind ?? null,
      page,
      pages: Math.max(1, Math.ceil(total / CHANGES_PER_PAGE)),
      per_page: CHANGES_PER_PAGE,
      total,
      counts,
      changes: this.storage.importChanges.listChanges(id, kind, CHANGES_PER_PAGE, (page - 1) * CHANGES_PER_PAGE),
    };
  }

  /** Every person of an import (of one kind) as CSV, produced a row at a time. */
  changesReport(id: number, kindText?: string): { fileName: string; csv: Iterable<string> } {
    const row = this.row(id);
    const kind = changeKind(kindText);
    return { fileName: `import-${id}-${row.file.replace(/\.csv$/i, '')}-${kind ?? 'changes'}.csv`, csv: changesCsv(this.storage.importChanges.iterateChanges(id, kind)) };
  }

  /**
   * Lets another importer that records into the same history (devices.csv) approve and discard
   * its own held imports, so the CLI, the API and the admin page keep one path for all of them.
   */
  delegateKind(kind: string, handler: HeldImportHandler): void {
    this.delegates.set(kind, handler);
  }

  /** Applies a held import as it stands against today's users. Throws AppError('not_found' | 'conflict'). */
  approve(id: number, actor: string): Promise<ImportDetail> {
    const other = this.delegateOf(id);
    if (other) return other.approve(id, actor);
    return this.serial(async () => {
      const row = this.held(id);
      const path = heldFileOrRefuse(this.storage.imports, row, actor, this.heldRoot);
      const result = await this.runImport({ path, file: row.file, kind: row.kind as RosterKind, origin: row.origin }, { id, actor, source: row.source });
      rmSync(heldDir(this.heldRoot, row.id), { recursive: true, force: true });
      this.log.info({ import: id, actor }, `import ${id} (${row.file}) approved by ${actor}: ${result.status}`);
      return result;
    });
  }

  /** Drops a held import: nothing changes, the file is forgotten. Throws AppError('not_found' | 'conflict'). */
  discard(id: number, actor: string): Promise<ImportDetail> {
    const other = this.delegateOf(id);
    if (other) return other.discard(id, actor);
    return this.serial(async () => {
      const row = this.held(id);
      decideImport(this.storage.imports, id, { status: 'discarded', reason: `discarded by ${actor}` }, actor);
      rmSync(heldDir(this.heldRoot, row.id), { recursive: true, force: true });
      this.log.info({ import: id, actor }, `import ${id} (${row.file}) discarded by ${actor}`);
      return this.getImport(id);
    });
  }

  /** sha256 of the newest import recorded under this file name, whatever its outcome. */
  /**
   * Keeps an upload to the data folder that was refused before it arrived (a name idphotos does
   * not import, over the size limit, disk full) in the history, so the admin sees it beside the
   * imports. Nothing else changes.
   */
  recordRefusedUpload(r: UploadRefusal): number {
    const now = new Date().toISOString();
    const id = this.storage.imports.insertImport({
      file: r.name, source: r.name, kind: '', origin: `sftp:${r.account}`, sha256: '', bytes: r.bytes,
      status: 'refused', reason: r.reason, received_at: now, decided_at: now,
    });
    this.log.warn({ import: id, file: r.name, account: r.account, ip: r.remoteAddress, bytes: r.bytes, reason: r.reason }, `upload of ${r.name} refused: ${r.reason}`);
    return id;
  }

  lastSha256Of(file: string): string | undefined {
    return this.storage.imports.latestOfFile(file)?.sha256;
  }

  /**
   * Deletes the work folders of imports a crash cut off (their process is gone), and held-file
   * folders no held import needs (of every importer: they share the folder); returns how many.
   * The cut-off files are still in the data folder, so catch-up imports them again.
   */
  removeDeadWork(): number {
    let swept = 0;
    try {
      swept = sweepHeldFiles(this.storage, this.heldRoot);
    } catch (err) {
      // NB: housekeeping must not stop a start: a long CLI import may hold the write lock.
      this.log.warn({ err }, 'left old held-import folders for the next start: the database is busy');
    }
    return swept + removeDeadWorkCopies(this.workRoot);
  }

  /**
   * After a stop or a crash, before anyone reads the roster: what `finishCutOff` does, unless
   * another process (a CLI import) holds the import lock: then that work is its own, and the
   * next import of either process does it.
   */
  resume(): Promise<void> {
    const run = async () => {
      let release: (() => void) | undefined;
      try {
        release = await takeImportLock(this.lockPath, { wait: false });
      } catch (err) {
        // A full disk (the lock file could not be made): the appliance still serves; nothing
        // could be written meanwhile anyway.
        this.log.error({ err }, 'could not take the roster import lock: an import a crash cut off is finished by the next import');
        return;
      }
      if (!release) {
        this.log.warn('another process is importing a roster: an import a crash cut off is finished by the next import');
        return;
      }
      try {
        await this.withImportCache(() => this.finishCutOff());
      } finally {
        release();
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Under the import lock, so every import found in progress is a dead process's: finishes the
   * applies that were accepted (roster_applies), drops the imports cut off before their decision
   * (nothing changed for them; catch-up imports their files again) and the staged rows nobody needs.
   */
  private async finishCutOff(): Promise<void> {
    for (const a of this.storage.rosterApplies.pendingApplies()) {
      this.log.warn({ import: a.import_id }, `import ${a.import_id} was accepted but cut off while it was applied: finishing it`);
      await this.finishApply(a);
      const rec = this.getImport(a.import_id);
      this.log.info({ import: rec.id, file: rec.file, status: rec.status }, `import ${rec.id} (${rec.file}) ${rec.status} after a restart`);
    }
    const { tx, imports, rosterApplies } = this.storage;
    tx(() => {
      const dropped = imports.dropCutOff();
      if (dropped.length) this.log.warn({ imports: dropped }, `dropped ${dropped.length} import(s) cut off before they were decided: nothing had changed`);
      const dir = join(this.dataDir, APPLYING);
      const needed = new Set(rosterApplies.pendingApplies().map((a) => join(this.dataDir, a.staging)));
      for (const name of existsSync(dir) ? readdirSync(dir) : []) if (!needed.has(join(dir, name))) rmSync(join(dir, name), { force: true });
    }, { immediate: true });
  }

  /** Resolves once every import asked for so far has finished. */
  idle(): Promise<void> {
    return this.queue.then(() => undefined, () => undefined);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    // One at a time in this process (the queue) and across processes (the lock).
    const locked = async () => {
      const release = await takeImportLock(this.lockPath);
      try {
        return await this.withImportCache(async () => {
          await this.finishCutOff();
          return await fn();
        });
      } finally {
        release();
      }
    };
    const next = this.queue.then(locked, locked);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Runs an import's work with the smaller page cache (IMPORT_PAGE_CACHE_KIB). */
  private async withImportCache<T>(fn: () => Promise<T>): Promise<T> {
    this.storage.pageCache(IMPORT_PAGE_CACHE_KIB);
    try {
      return await fn();
    } finally {
      this.storage.pageCache();
    }
  }

  private delegateOf(id: number): HeldImportHandler | undefined {
    const kind = this.storage.imports.getImportRow(id)?.kind;
    return kind === undefined ? undefined : this.delegates.get(kind);
  }

  private row(id: number): ImportRow {
    const row = this.storage.imports.getImportRow(id);
    if (!row) throw new AppError('not_found', `there is no import ${id}`);
    return row;
  }

  private held(id: number): ImportRow {
    return assertHeld(this.row(id));
  }

  private async runImport(req: ImportRequest, approval?: { id: number; actor: string; source: string }): Promise<ImportDetail> {
    const file = req.file ?? basename(req.path);
    const named = rosterKindOf(file, this.config);
    const kind = req.kind ?? named;
    if (!kind) {
      throw new AppError('invalid', `"${file}" is not a roster file name idphotos knows (students.csv, staff.csv, teachers.csv, users.csv, or a [roster.mapping] name): say which kind it is (--kind students|staff|oneroster)`);
    }
    const source = approval?.source ?? (named === kind ? file : CANONICAL_FILE[kind]);
    const received = new Date().toISOString();
    const work = approval ? undefined : takeWorkCopy(this.workRoot, req.path, file, kind === 'oneroster' ? ONEROSTER_COMPANIONS : []);
    const path = work ? join(work, file) : req.path;
    // NB: a folder of its own, not the work copy's: a hold moves the work copy to the held files.
    const stageDir = newWorkFolder(this.workRoot);
    let staging: Staging | undefined;
    try {
      const facts = await readFileFacts(path);
      const base = { file, source, kind, origin: req.origin, sha256: facts.sha256, bytes: facts.bytes, received_at: received };
      if (!approval) {
        const id = recordSameContent(this.storage, base);
        if (id !== undefined) {
          const rec = this.getImport(id);
          this.log.info({ import: id, file, source, status: rec.status }, `import ${id} (${file}) ${rec.status}: ${rec.reason}`);
          return rec;
        }
      }
      const mapping = this.config.mapping[file];
      staging = openStaging(join(stageDir, STAGING_FILE));
      let parsed: ParsedRoster;
      try {
        parsed = await parseRosterFile(path, {
          kind,
          file,
          mapping: mapping
            ? { kind: mapping.kind, columns: mappingColumns(mapping), activeMap: mappingValueMap(file, mapping.active_values, mapping.inactive_values) }
            : undefined,
          cleverStudentId: this.config.clever_student_id,
          cleverTeacherId: this.config.clever_teacher_id,
          oneRosterLocalId: this.config.oneroster_local_id,
          companion: (name) => join(dirname(path), name),
        }, staging, facts);
      } catch (caught) {
        let err = caught;
        if (isDiskFull(err)) {
          // The staged rows go first: the refusal needs a little room to be recorded.
          staging.close();
          rmSync(stageDir, { recursive: true, force: true });
          err = new RefusedFile(DISK_FULL);
        }
        if (!(err instanceof RefusedFile)) throw err;
        if (approval) await this.clearList(approval.id);
        const changes: ImportUpdate = {
          status: 'refused', reason: err.message, format: err.format, encoding: err.csv?.encoding ?? '', delimiter: err.csv?.delimiter ?? '',
          ...(err.layout ? layoutReport(err.layout) : {}),
        };
        const id = this.record(base, changes, [], approval);
        this.log.warn({ import: id, file, origin: req.origin, reason: err.message }, `import ${id} (${file}) refused: ${err.message}`);
        return this.getImport(id);
      }
      return await this.apply(base, parsed, staging, kind, work, approval);
    } finally {
      staging?.close();
      rmSync(stageDir, { recursive: true, force: true });
      if (work) rmSync(work, { recursive: true, force: true });
    }
  }

  /**
   * Compares, decides and writes, each a chunk at a time (COMPARE_CHUNK rows compared, or TX_MS
   * of writes, then the event loop turns), so that a whole district's roster neither stalls the
   * appliance nor holds SQLite's write lock.
   * Nothing users see changes until the import is accepted: the comparison only reads, and a
   * held or refused import writes only its history. Accepting commits a durable promise with the
   * staged rows beside it (roster_applies); the apply then runs in short transactions, and a
   * start-up finishes one a crash cut off (finishApply), so no restart leaves half a roster.
   * An accepted import's staging file is sealed and moved; the caller closes it otherwise.
   */
  private async apply(
    base: ImportBase,
    parsed: ParsedRoster,
    staging: Staging,
    kind: RosterKind,
    work: string | undefined,
    approval?: { id: number; actor: string },
  ): Promise<ImportDetail> {
    const cfg = this.config;
    const { tx, imports } = this.storage;
    const deactivateMissing = parsed.fullExport && cfg.deactivate_missing.includes(kind);
    let plan: Plan;
    try {
      plan = await planStaged(this.storage.rosterCompare, staging, base.source, parsed.sample, deactivateMissing);
    } catch (err) {
      if (!isDiskFull(err)) throw err;
      staging.close();
      rmSync(staging.path, { force: true });
      if (approval) await this.clearList(approval.id);
      const id = this.record(base, { status: 'refused', reason: DISK_FULL, format: parsed.format, encoding: parsed.csv.encoding, delimiter: parsed.csv.delimiter, ...layoutReport(parsed.layout) }, parsed.errors, approval);
      this.log.warn({ import: id, file: base.file, origin: base.origin, reason: DISK_FULL }, `import ${id} (${base.file}) refused: ${DISK_FULL}`);
      return this.getImport(id);
    }
    const errors = plan.conflicts.length ? [...parsed.errors, ...plan.conflicts].sort((a, b) => a.line - b.line) : parsed.errors;
    // Each bad line has one error: a row is invalid, a duplicate, or a conflict, never two.
    const errorLines = parsed.errorCount + plan.conflictCount;
    const deactivated = (deactivateMissing ? plan.missing : 0) + plan.deactivatedByRow;
    const counts: ImportUpdate = {
      format: parsed.format, encoding: parsed.csv.encoding, delimiter: parsed.csv.delimiter, rows: parsed.dataRows, ignored: parsed.ignored,
      ignored_reasons: parsed.ignoredReasons,
      opted_out: parsed.optedOut,
      ...layoutReport(parsed.layout),
      added: plan.inserts,
      updated: plan.updates - plan.deactivatedByRow,
      unchanged: plan.unchanged,
      deactivated,
      reactivated: plan.reactivated,
      error_count: errorLines,
    };
    let outcome: { id: number; status: 'applied' | 'held' | 'refused'; reason: string };
    // An approved import is planned again: the list of what it would do goes first.
    if (approval) await this.clearList(approval.id);
    if (errorLines * 100 > cfg.max_error_percent * parsed.dataRows) {
      const reason = `${errorLines} of ${parsed.dataRows} rows (${pct(errorLines, parsed.dataRows)}) have errors, more than the ${cfg.max_error_percent}% allowed (roster.max_error_percent): fix the lines listed and upload the file again`;
      outcome = { id: this.record(base, { ...counts, status: 'refused', reason }, errors, approval), status: 'refused', reason };
    } else {
      const hold = approval ? undefined : holdReason(plan, deactivated, counts.updated!, base.source, cfg, parsed.layout);
      // NB: made durable before the transaction: an fsync of the staged rows (tens of MB written
      // without one) must not hold SQLite's write lock.
      if (!hold) {
        staging.close();
        await syncFile(staging.path);
      }
      // Recorded as in progress with its errors (a start after a crash drops it unless it was accepted).
      const id = tx(() => {
        const id = approval?.id ?? imports.insertImport({ ...base, status: 'in_progress' });
        imports.replaceErrors(id, errors);
        if (!hold) this.accept(id, staging, base.source, counts, approval);
        return id;
      }, { immediate: true });
      if (hold) {
        let superseded: ImportRow[];
        try {
          // Who, not only how many: listed for a held import too (what approving would do).
          await this.withCheckpoints(() => applyPlan(this.target(id), staging, { importId: id, source: base.source, now: new Date().toISOString(), write: false, kept: 0 }));
          superseded = tx(() => {
            finishImport(imports, id, { ...counts, status: 'held', reason: hold, held_dir: work ? keepHeldFile(work, this.heldRoot, id) : '' });
            return supersedeHeld(imports, base.source, id);
          }, { immediate: true });
        } catch (err) {
          // Not decided, so not recorded: as if the upload had not been imported yet (it is retried).
          tx(() => imports.deleteImport(id));
          throw err;
        }
        for (const old of superseded) rmSync(heldDir(this.heldRoot, old.id), { recursive: true, force: true });
        await this.pruneLists();
        outcome = { id, status: 'held', reason: hold };
      } else {
        await this.finishApply(this.storage.rosterApplies.pendingApplies().find((a) => a.import_id === id)!);
        outcome = { id, status: 'applied', reason: '' };
      }
    }
    const rec = this.getImport(outcome.id);
    const summary = `${rec.added} added, ${rec.updated} updated, ${rec.unchanged} unchanged, ${rec.deactivated} deactivated, ${rec.error_count} errors`;
    const fields = { import: rec.id, file: rec.file, origin: rec.origin, format: rec.format, status: rec.status };
    if (outcome.status === 'applied') this.log.info({ ...fields, photos_linked: rec.photos_linked }, `import ${rec.id} (${rec.file}) applied: ${summary}`);
    else this.log.warn({ ...fields, reason: outcome.reason }, `import ${rec.id} (${rec.file}) ${outcome.status}: ${outcome.reason}`);
    return rec;
  }

  /**
   * The acceptance, inside the caller's transaction: the staged rows (closed, flushed) move to
   * `imports/applying/<id>.db` and the promise to apply them is recorded. NB: the move is made
   * before the commit, as keepHeldFile does: a crash leaves either the promise with its rows, or
   * no promise and a file that removeDeadWork deletes.
   */
  private accept(id: number, staging: Staging, source: string, counts: ImportUpdate, approval: { actor: string } | undefined): void {
    const staged = join(APPLYING, `${id}.db`);
    const dest = join(this.dataDir, staged);
    mkdirSync(dirname(dest), { recursive: true });
    rmSync(dest, { force: true });
    renameSync(staging.path, dest);
    fsyncDir(dirname(dest));
    if (approval) this.storage.imports.updateImport(id, { status: 'in_progress', reason: '' });
    this.storage.rosterApplies.beginApply({
      import_id: id, staging: staged, source, now: new Date().toISOString(),
      outcome: JSON.stringify(counts), actor: approval?.actor ?? '',
    });
  }

  /** Writes an accepted import's staged rows to `users`, chunk by chunk, and records it applied. */
  private async finishApply(a: RosterApply): Promise<void> {
    const { tx, imports, importChanges, rosterApplies } = this.storage;
    const path = join(this.dataDir, a.staging);
    const approval = a.actor ? { actor: a.actor } : undefined;
    if (!existsSync(path)) {
      // Only a data folder restored from a backup taken mid-apply, without the staged rows, gets here.
      tx(() => {
        finishImport(imports, a.import_id, { status: 'refused', reason: 'its apply was cut off and the staged rows are gone (a restored backup?): upload the file again' }, approval);
        rosterApplies.endApply(a.import_id);
      });
      this.log.error({ import: a.import_id }, `import ${a.import_id}: the apply was cut off and its staged rows are gone; upload the file again`);
      return;
    }
    const staging = openStaging(path);
    try {
      const kept = importChanges.listedCount(a.import_id);
      await this.withCheckpoints(() => applyPlan(this.target(a.import_id), staging, { importId: a.import_id, source: a.source, now: a.now, write: true, kept }));
    } finally {
      staging.close();
    }
    const outcome = JSON.parse(a.outcome) as ImportUpdate;
    const superseded = tx(() => {
      const photosLinked = rosterApplies.linkedOf(a.import_id);
      finishImport(imports, a.import_id, { ...outcome, photos_linked: photosLinked, status: 'applied', reason: '' }, approval);
      rosterApplies.endApply(a.import_id);
      return supersedeHeld(imports, a.source, a.import_id);
    }, { immediate: true });
    rmSync(path, { force: true });
    for (const old of superseded) rmSync(heldDir(this.heldRoot, old.id), { recursive: true, force: true });
    if (approval) rmSync(heldDir(this.heldRoot, a.import_id), { recursive: true, force: true });
    await this.pruneLists();
  }

  private target(importId: number): ApplyTarget {
    const { tx, users, importChanges, rosterApplies } = this.storage;
    return {
      tx, users, importChanges,
      added: (localIds) => {
        const n = users.countPhotosOf(localIds);
        if (n) rosterApplies.addLinked(importId, n);
      },
      flush: () => this.checkpoint(),
    };
  }

  /** A checkpoint that cannot fail an import: the WAL then waits for the next one, or SQLite's own. */
  private async checkpoint(): Promise<void> {
    try {
      await this.storage.checkpoint();
    } catch (err) {
      this.log.warn({ err }, 'a WAL checkpoint during a roster import failed; the next one will catch up');
    }
  }

  /**
   * Runs a long write with SQLite's automatic WAL checkpoint off and checkpoints of its own in its
   * place (`target().flush`, then once at the end), whose fsyncs run off the event loop: the
   * automatic one, on the event loop inside a commit, was most of the stalls and half the time of
   * an import on a busy disk (docs/BENCHMARKS.md). NB: the apply commits without an fsync too;
   * the checkpoint flushes the WAL first, so the last commit's fsync has little left to do.
   */
  private async withCheckpoints<T>(fn: () => Promise<T>): Promise<T> {
    this.storage.autoCheckpoint(false);
    try {
      const out = await fn();
      await this.checkpoint();
      return out;
    } finally {
      this.storage.autoCheckpoint(true);
    }
  }

  /** Empties an import's list of people a part at a time, the event loop turning in between. */
  private async clearList(id: number): Promise<void> {
    const { tx, importChanges } = this.storage;
    while (!tx(() => importChanges.clearSome(id, CLEAR_CHUNK), { durable: false, immediate: true })) await yieldToIo();
  }

  /** Drops the oldest lists of people beyond their budget (MAX_STORED_CHANGES_TOTAL), a part at a time. */
  private async pruneLists(): Promise<void> {
    for (const id of this.storage.importChanges.listsOverBudget()) await this.clearList(id);
  }

  /** A refused import, in one statement or as the update of an approved one. */
  private record(base: ImportBase, changes: ImportUpdate, errors: ImportError[], approval?: { id: number; actor: string }): number {
    const { tx, imports, importChanges } = this.storage;
    return tx(() => {
      const id = approval?.id ?? imports.insertImport({ ...base, status: 'refused' });
      imports.replaceErrors(id, errors);
      importChanges.replaceChanges(id, []);
      finishImport(imports, id, changes, approval);
      return id;
    });
  }
}

type ImportBase = Omit<NewImport, 'status'>;

function holdReason(plan: Plan, deactivated: number, updated: number, source: string, cfg: RosterConfig, layout: Layout): string | undefined {
  // An active column read wrongly (PowerSchool's 1 is inactive) turns people inactive as they
  // arrive, which the share of the source's active users below cannot see on a first import.
  const byColumn = plan.deactivatedByRow + plan.addedInactive;
  const listed = plan.inserts + plan.updates + plan.unchanged;
  if (layout.columns.active !== undefined && listed > 0 && byColumn * 100 > cfg.hold_deactivate_percent * listed) {
    const column = layout.used.find((u) => u.field === 'active')?.column ?? 'active';
    return `would make ${byColumn} of the ${listed} people in the file inactive through its ${column} column (${pct(byColumn, listed)}), more than roster.hold_deactivate_percent (${cfg.hold_deactivate_percent}%); ${column} is read as ${describeMap(layout.activeMap ?? PLAIN)}: check the export (or active_values in [roster.mapping]), then approve or discard it`;
  }
  const active = plan.activeInSource;
  if (active > 0 && deactivated * 100 > cfg.hold_deactivate_percent * active) {
    return `would deactivate ${deactivated} of ${active} active users from ${source} (${pct(deactivated, active)}), more than roster.hold_deactivate_percent (${cfg.hold_deactivate_percent}%): check the export, then approve or discard it`;
  }
  const all = plan.usersInSource;
  if (all > 0 && updated * 100 > cfg.hold_change_percent * all) {
    return `would change ${updated} of ${all} users from ${source} (${pct(updated, all)}), more than roster.hold_change_percent (${cfg.hold_change_percent}%): check the export, then approve or discard it`;
  }
  return undefined;
}

/** SQLite's "database or disk is full", or a write the file system refused for want of space. */
function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC';
}

function pct(n: number, of: number): string {
  return `${((n * 100) / of).toFixed(1).replace(/\.0$/, '')}%`;
}

function mappingColumns(mapping: RosterConfig['mapping'][string]): Record<string, string> {
  const { kind: _kind, active_values: _a, inactive_values: _i, ...columns } = mapping;
  return Object.fromEntries(Object.entries(columns).filter(([, v]) => v !== ''));
}

function changeKind(text: string | undefined): ChangeKind | undefined {
  if (text === undefined || text === '') return undefined;
  if (!(CHANGE_KINDS as readonly string[]).includes(text)) throw new AppError('invalid', `kind must be one of ${CHANGE_KINDS.join(', ')}`);
  return text as ChangeKind;
}

function layoutReport(layout: Layout): ImportUpdate {
  return { layout: layout.name, columns_used: layout.used, columns_ignored: layout.ignored };
}

function toRecord(row: ImportRow): ImportRecord {
  const { held_dir: _held, ...rec } = row;
  return rec;
}

/** True when an import changed people but its list was dropped to keep newer imports' lists (import-change-store). */
function listDropped(row: ImportRow, counts: Record<ChangeKind, number>): boolean {
  const made = row.added + row.updated + row.deactivated + row.reactivated;
  return made > 0 && CHANGE_KINDS.every((k) => counts[k] === 0);
}
