import { existsSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RosterConfig } from '../../config/schema.ts';
import { AppError, isAppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Storage } from '../../storage/index.ts';
import type { ImportRow, ImportUpdate, NewImport } from '../../storage/roster-import-store.ts';
import { inspectCsv, readCsv } from '../roster/csv-reader.ts';
import { readFileFacts } from '../roster/decode.ts';
import { normalizeHeader } from '../roster/layout.ts';
import { assertHeld, decideImport, finishImport, heldDir, heldFileOrRefuse, keepHeldFile, supersedeHeld } from '../roster/held-imports.ts';
import { recordSameContent } from '../roster/same-content.ts';
import { takeWorkCopy } from '../roster/work-copies.ts';
import type { ImportDetail } from '../roster/service.ts';
import type { ImportError } from '../roster/types.ts';
import type { Actor } from './actions.ts';
import { applyDeviceImport } from './import-apply.ts';
import { DEVICE_COLUMNS, planDeviceImport, type DevicePlan, type DeviceRecord } from './import-plan.ts';

export const DEVICES_FILE = 'devices.csv';
export const DEVICES_KIND = 'devices';

type Column = keyof typeof DEVICE_COLUMNS;

/** Header names accepted per column, compared like the roster's (no case, spaces, `_`, `-`, `.`, `#`). */
const ALIASES: Record<Column, readonly string[]> = {
  asset_tag: ['assettag', 'assettagnumber', 'assetnumber', 'assetid', 'asset', 'tag', 'tagnumber', 'barcode'],
  serial_number: ['serialnumber', 'serial', 'serialno', 'sn', 'servicetag'],
  model: ['model', 'modelname', 'devicemodel', 'product'],
  building: ['building', 'buildingcode', 'buildingname', 'school', 'schoolcode', 'schoolname', 'site', 'campus', 'location'],
  status: ['status', 'devicestatus', 'state'],
  local_id: ['localid', 'assignedto', 'assignedlocalid', 'userlocalid', 'userid', 'studentnumber', 'studentid', 'staffid', 'assigneduser'],
};

export interface DeviceImporterOptions {
  storage: Pick<Storage, 'tx' | 'imports' | 'devices' | 'deviceActions' | 'users'>;
  config: RosterConfig;
  /** Held files wait under `<dataDir>/imports/held/<id>/`, as roster files do. */
  dataDir: string;
  log: Logger;
}

/**
 * devices.csv through the roster's import rules: recorded in the same import history (file,
 * sha256, counts, status, each error with its line), refused whole when it is structurally
 * broken or has too many bad rows, held when it would retire or change more devices than
 * `[roster]` allows, the same content again a no-op. A refused or held file changes nothing.
 */
export class DeviceImporter {
  private readonly heldRoot: string;
  private readonly workRoot: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: DeviceImporterOptions) {
    this.heldRoot = join(opts.dataDir, 'imports', 'held');
    this.workRoot = join(opts.dataDir, 'imports', 'work');
  }

  /** Imports one devices.csv; resolves with its history entry whatever the outcome. */
  importFile(req: { path: string; file?: string; origin: string }): Promise<ImportDetail> {
    return this.serial(() => this.run(req.path, req.file ?? basename(req.path), req.origin));
  }

  /** Applies a held devices import against today's devices. Throws AppError('not_found' | 'conflict'). */
  approve(id: number, actor: string): Promise<ImportDetail> {
    return this.serial(async () => {
      const row = this.held(id);
      const path = heldFileOrRefuse(this.opts.storage.imports, row, actor, this.heldRoot);
      const result = await this.run(path, row.file, row.origin, { id, actor });
      rmSync(heldDir(this.heldRoot, row.id), { recursive: true, force: true });
      this.opts.log.info({ import: id, actor }, `import ${id} (${row.file}) approved by ${actor}: ${result.status}`);
      return result;
    });
  }

  /** Drops a held devices import: nothing changes. */
  discard(id: number, actor: string): Promise<ImportDetail> {
    return this.serial(async () => {
      const row = this.held(id);
      decideImport(this.opts.storage.imports, id, { status: 'discarded', reason: `discarded by ${actor}` }, actor);
      rmSync(heldDir(this.heldRoot, row.id), { recursive: true, force: true });
      this.opts.log.info({ import: id, actor }, `import ${id} (${row.file}) discarded by ${actor}`);
      return this.detail(id);
    });
  }

  /** Whether an import in the history is a devices import (for whoever approves held imports). */
  owns(id: number): boolean {
    return this.opts.storage.imports.getImportRow(id)?.kind === DEVICES_KIND;
  }

  private async run(path: string, file: string, origin: string, approval?: { id: number; actor: string }): Promise<ImportDetail> {
    const { storage, config, log } = this.opts;
    const { imports } = storage;
    const work = approval ? undefined : takeWorkCopy(this.workRoot, path, file);
    const source = work ? join(work, file) : path;
    try {
      const facts = await readFileFacts(source);
      const base = { file, source: DEVICES_FILE, kind: DEVICES_KIND, origin, sha256: facts.sha256, bytes: facts.bytes, received_at: new Date().toISOString() };
      if (!approval) {
        const id = recordSameContent(storage, base);
        if (id !== undefined) {
          const rec = this.detail(id);
          log.info({ import: id, file, status: rec.status }, `import ${id} (${file}) ${rec.status}: ${rec.reason}`);
          return rec;
        }
      }

      let records: DeviceRecord[];
      let meta: ImportUpdate;
      try {
        const csv = await inspectCsv(source, facts);
        meta = { format: 'devices', encoding: csv.encoding, delimiter: csv.delimiter };
        records = await readDevices(csv, source);
      } catch (err) {
        if (!isAppError(err, 'invalid')) throw err;
        const id = this.record(base, { status: 'refused', reason: err.message }, approval);
        log.warn({ import: id, file, origin, reason: err.message }, `import ${id} (${file}) refused: ${err.message}`);
        return this.detail(id);
      }

      const outcome = storage.tx(() => {
        const id = approval?.id ?? imports.insertImport({ ...base, status: 'in_progress' });
        const retireMissing = config.deactivate_missing.includes('devices');
        const plan = planDeviceImport(storage, records, { retireMissing });
        const errors: ImportError[] = plan.errors.map((e) => ({ line: e.line, local_id: '', message: e.message }));
        imports.replaceErrors(id, errors);
        const counts: ImportUpdate = {
          ...meta,
          rows: records.length,
          added: plan.adds.length,
          updated: plan.updates.length,
          unchanged: plan.unchanged,
          deactivated: plan.retire.length,
          error_count: errors.length,
        };
        const errorLines = new Set(errors.map((e) => e.line)).size;
        if (errorLines * 100 > config.max_error_percent * records.length) {
          const reason = `${errorLines} of ${records.length} rows (${pct(errorLines, records.length)}) have errors, more than the ${config.max_error_percent}% allowed (roster.max_error_percent): fix the lines listed and upload the file again`;
          finishImport(imports, id, { ...counts, status: 'refused', reason }, approval);
          return { id, status: 'refused' as const, reason };
        }
        const hold = approval ? undefined : holdReason(plan, config);
        if (hold) {
          finishImport(imports, id, { ...counts, status: 'held', reason: hold, held_dir: work ? keepHeldFile(work, this.heldRoot, id) : '' }, approval);
          return { id, status: 'held' as const, reason: hold };
        }
        const actor: Actor = { username: `import:${file}`, role: 'import' };
        applyDeviceImport(storage, plan, actor);
        finishImport(imports, id, { ...counts, status: 'applied', reason: '' }, approval);
        return { id, status: 'applied' as const, reason: '' };
      });
      if (outcome.status !== 'refused') {
        for (const old of supersedeHeld(imports, DEVICES_FILE, outcome.id)) rmSync(heldDir(this.heldRoot, old.id), { recursive: true, force: true });
      }
      const rec = this.detail(outcome.id);
      const summary = `${rec.added} added, ${rec.updated} updated, ${rec.unchanged} unchanged, ${rec.deactivated} retired, ${rec.error_count} errors`;
      if (outcome.status === 'applied') log.info({ import: rec.id, file, origin }, `import ${rec.id} (${file}) applied: ${summary}`);
      else log.warn({ import: rec.id, file, origin, reason: outcome.reason }, `import ${rec.id} (${file}) ${outcome.status}: ${outcome.reason}`);
      return rec;
    } finally {
      if (work && existsSync(work)) rmSync(work, { recursive: true, force: true });
    }
  }

  private detail(id: number): ImportDetail {
    const { held_dir: _held, ...rec } = this.opts.storage.imports.getImportRow(id)!;
    return { ...rec, errors: this.opts.storage.imports.listErrors(id) };
  }

  private held(id: number): ImportRow {
    const row = this.opts.storage.imports.getImportRow(id);
    if (!row || row.kind !== DEVICES_KIND) throw new AppError('not_found', `there is no devices import ${id}`);
    return assertHeld(row);
  }

  private record(base: Omit<NewImport, 'status'>, changes: ImportUpdate, approval?: { id: number; actor: string }): number {
    const { tx, imports } = this.opts.storage;
    return tx(() => {
      const id = approval?.id ?? imports.insertImport({ ...base, status: 'refused' });
      imports.replaceErrors(id, []);
      finishImport(imports, id, changes, approval);
      return id;
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** Reads the header and the rows. Throws AppError('invalid') when the file cannot be a devices list. */
async function readDevices(csv: Parameters<typeof readCsv>[0], path: string): Promise<DeviceRecord[]> {
  let columns: Partial<Record<Column, number>> | undefined;
  let headerProblem: AppError | undefined;
  const records: DeviceRecord[] = [];
  // NB: nothing may throw inside the parser's callback (the stream would never settle), so a
  // bad header is kept and thrown once the file has been read.
  await readCsv(csv, path, (fields, line) => {
    if (headerProblem) return;
    if (!columns) {
      try {
        columns = headerColumns(fields);
      } catch (err) {
        if (!isAppError(err)) throw err;
        headerProblem = err;
      }
      return;
    }
    if (fields.every((f) => f.trim() === '')) return;
    const value = (c: Column) => (columns![c] === undefined ? undefined : (fields[columns![c]!] ?? ''));
    records.push({
      line,
      asset_tag: value('asset_tag') ?? '',
      serial_number: value('serial_number'),
      model: value('model'),
      building: value('building'),
      status: value('status'),
      local_id: value('local_id'),
    });
  });
  if (headerProblem) throw headerProblem;
  if (!columns) throw new AppError('invalid', 'the file is empty: it has no header row');
  if (records.length === 0) throw new AppError('invalid', 'the file has a header row but no devices');
  return records;
}

function headerColumns(header: string[]): Partial<Record<Column, number>> {
  const names = header.map(normalizeHeader);
  const columns: Partial<Record<Column, number>> = {};
  for (const column of Object.keys(ALIASES) as Column[]) {
    for (const alias of ALIASES[column]) {
      const i = names.indexOf(alias);
      if (i >= 0 && !Object.values(columns).includes(i)) {
        columns[column] = i;
        break;
      }
    }
  }
  if (columns.asset_tag === undefined) {
    const found = header.filter((h) => h.trim()).slice(0, 8).map((h) => `"${h.trim()}"`).join(', ');
    throw new AppError(
      'invalid',
      `devices.csv needs an "Asset Tag" column in its header row (columns: ${Object.values(DEVICE_COLUMNS).join(', ')}); found ${found || 'no header names'}`,
    );
  }
  return columns;
}

function holdReason(plan: DevicePlan, cfg: RosterConfig): string | undefined {
  const base = plan.existing;
  if (base === 0) return undefined;
  const retired = plan.retire.length;
  if (retired * 100 > cfg.hold_deactivate_percent * base) {
    return `would retire ${retired} of ${base} devices (${pct(retired, base)}), more than roster.hold_deactivate_percent (${cfg.hold_deactivate_percent}%): check the export, then approve or discard it`;
  }
  const updated = plan.updates.length;
  if (updated * 100 > cfg.hold_change_percent * base) {
    return `would change ${updated} of ${base} devices (${pct(updated, base)}), more than roster.hold_change_percent (${cfg.hold_change_percent}%): check the export, then approve or discard it`;
  }
  return undefined;
}

function pct(n: number, of: number): string {
  return `${((n * 100) / of).toFixed(1).replace(/\.0$/, '')}%`;
}
