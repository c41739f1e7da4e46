import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { copyFile, rename, unlink } from 'node:fs/promises';
import { extname, join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppError, errorMessage, isAppError } from '../../shared/errors.ts';
import { CSV_BOM, csvRow } from '../../shared/csv-cells.ts';
import type { Logger } from '../../shared/logger.ts';
import { createInFlight } from '../../shared/in-flight.ts';
import type { DeliveryCounts, DeliveryRow, DeliveryStore, ItemRow } from '../../storage/delivery-store.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { CommitRequest } from '../incoming/folder.ts';
import type { PhotoService } from '../photos/service.ts';
import { parseIndex, type IndexLine } from './index-file.ts';
import { createMatcher, type Candidate } from './match.ts';
import { DEFAULT_BUDGETS, extractEntry, inspectZip, openZip, readEntry, type ZipEntryInfo } from './zip-reader.ts';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.gif']);
const INDEX = /(^|\/)index\.txt$/i;
const IDLINK = /(^|\/)idlink\.txt$/i;

export interface DeliveryServiceOptions {
  store: DeliveryStore;
  photos: PhotoService;
  audit: AuditLog;
  dataDir: string;
  /** Largest image inside a delivery (`sftp.max_photo_bytes`). */
  maxImageBytes: number;
  log: Logger;
}

export interface DeliveryDetail {
  delivery: DeliveryRow;
  counts: DeliveryCounts;
  items: (ItemRow & { candidateList: Candidate[] })[];
}

/**
 * Picture-day deliveries: a zip under /incoming/idphotos/ holding a PSPA INDEX.TXT or a Destiny
 * idlink.txt. At the upload's close the zip is checked whole (budgets, names, the index line by
 * line) and every line matched against the active roster; a delivery that fails those checks is
 * refused with the reason and nothing of it is kept. An accepted one is durable before the
 * client hears "done"; its images then go through the photo store's own ingest one by one
 * (history, refusals and all), and lines that match no one, or more than one person, wait for
 * an admin. Identical bytes sent again are recorded as a duplicate and change nothing.
 */
export function createDeliveryService(o: DeliveryServiceOptions) {
  const root = join(o.dataDir, 'deliveries');
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const { track, settled } = createInFlight();
  const budgets = { ...DEFAULT_BUDGETS, maxImageBytes: o.maxImageBytes };
  let stopping = false;

  const zipPath = (id: number) => join(root, `${id}.zip`);
  const itemDir = (id: number) => join(root, String(id));

  async function receive(req: CommitRequest): Promise<void> {
    const sha = await sha256File(req.tempPath);
    const now = new Date().toISOString();
    const base = { file_name: req.name, sha256: sha, bytes: req.size, mtime: req.mtime ?? Math.floor(Date.now() / 1000), account: req.account, remote_address: req.remoteAddress ?? '', received_at: now };
    const same = o.store.bySha(sha);
    if (same) {
      await unlink(req.tempPath);
      const reason = `same content as delivery ${same.id} (${same.file_name}, ${same.received_at}): nothing to do`;
      const id = o.store.insert({ ...base, kind: same.kind, encoding: same.encoding, status: 'duplicate', reason });
      o.log.info({ delivery: id, file: req.name, account: req.account }, `delivery ${req.name}: ${reason}`);
      return;
    }
    let plan: Awaited<ReturnType<typeof planDelivery>>;
    try {
      plan = await planDelivery(req.tempPath);
    } catch (err) {
      await unlink(req.tempPath).catch(() => undefined);
      if (!isAppError(err)) throw err;
      o.store.insert({ ...base, kind: '', encoding: '', status: 'refused', reason: err.message });
      o.log.warn({ file: req.name, account: req.account, ip: req.remoteAddress, reason: err.message }, `delivery ${req.name} refused`);
      throw new AppError('invalid', `${req.name}: delivery refused: ${err.message}`);
    }
    // Rows first, then the zip under its id: a crash between them leaves a row whose zip is
    // missing, which start-up closes as interrupted; never a zip nobody knows of.
    const id = o.store.tx(() => {
      const id = o.store.insert({ ...base, kind: plan.kind, encoding: plan.encoding, status: 'applying', reason: '' });
      plan.items.forEach((item, n) => o.store.insertItem({ ...item, delivery_id: id, n: n + 1 }));
      return id;
    });
    await rename(req.tempPath, zipPath(id));
    const c = o.store.counts(id);
    o.log.info({ delivery: id, file: req.name, account: req.account, kind: plan.kind, ...c }, `delivery ${id} (${req.name}) accepted: ${c.matched} matched, ${c.waiting} waiting for an admin, ${c.refused} refused`);
    void track(apply(id));
  }

  /** Checks the whole zip and decides every line before anything is stored. */
  async function planDelivery(path: string) {
    const zip = await openZip(path);
    try {
      const entries = await inspectZip(zip, budgets);
      const indexes = entries.filter((e) => INDEX.test(e.name));
      const idlinks = entries.filter((e) => IDLINK.test(e.name));
      const chosen = indexes.length ? indexes : idlinks;
      if (chosen.length === 0) {
        throw new AppError('invalid', 'the zip holds no INDEX.TXT (PSPA portrait index) or idlink.txt (Destiny photo import): it cannot be matched to people; ask the vendor for the index, or upload photos named by Local ID');
      }
      if (chosen.length > 1) throw new AppError('invalid', `the zip holds ${chosen.length} index files (${chosen.map((e) => e.name).join(', ')}); send one delivery per index`);
      const index = chosen[0]!;
      const dir = posix.dirname(index.name) === '.' ? '' : posix.dirname(index.name);
      const parsed = parseIndex(await readEntry(zip, index.entry, budgets.maxIndexBytes), index.name, dir);
      return { kind: parsed.kind, encoding: parsed.encoding, items: decide(parsed.lines, entries, index) };
    } finally {
      zip.close();
    }
  }

  function decide(lines: IndexLine[], entries: ZipEntryInfo[], index: ZipEntryInfo) {
    const byName = new Map(entries.map((e) => [e.name, e]));
    const byLower = new Map(entries.map((e) => [e.name.toLowerCase(), e]));
    const match = createMatcher(o.store.activeUsers());
    const usedImages = new Map<string, number>();
    const photoFor = new Map<string, number>();
    const items: Omit<ItemRow, 'delivery_id' | 'n' | 'applied' | 'kept_path' | 'decided_by'>[] = [];
    for (const l of lines) {
      const row = { line: l.line, image: l.image, student_id: l.studentId, last_name: l.lastName, first_name: l.firstName, grade: l.grade, local_id: '', candidates: '[]' };
      const refuse = (reason: string) => items.push({ ...row, status: 'refused', reason });
      if (l.problem) {
        refuse(`line ${l.line} ${l.problem}`);
        continue;
      }
      const entry = byName.get(l.image) ?? byLower.get(l.image.toLowerCase());
      if (!entry) {
        refuse(`line ${l.line} names ${l.image}, which is not in the zip`);
        continue;
      }
      row.image = entry.name;
      if (!IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase())) {
        refuse(`line ${l.line} names ${entry.name}, which is not a .jpg, .jpeg, .png or .gif image`);
        continue;
      }
      const earlier = usedImages.get(entry.name);
      if (earlier !== undefined) {
        refuse(`line ${l.line} names the same image as line ${earlier}`);
        continue;
      }
      usedImages.set(entry.name, l.line);
      const m = match(l);
      if (m.status === 'matched') {
        const before = photoFor.get(m.localId);
        if (before !== undefined) {
          items.push({ ...row, status: 'waiting', reason: `line ${before} already gives ${m.localId} a photo (matched by ${m.how})`, candidates: JSON.stringify([]) });
          continue;
        }
        photoFor.set(m.localId, l.line);
        items.push({ ...row, status: 'matched', reason: `matched by ${m.how}`, local_id: m.localId });
      } else {
        items.push({ ...row, status: 'waiting', reason: m.reason, candidates: JSON.stringify(m.candidates) });
      }
    }
    for (const e of entries) {
      if (e === index || usedImages.has(e.name)) continue;
      items.push({ line: 0, image: e.name, student_id: '', last_name: '', first_name: '', grade: '', status: 'refused', reason: `${e.name} is not named in the index: not stored`, local_id: '', candidates: '[]' });
    }
    return items;
  }

  /** Extracts and stores the accepted items of a delivery; resumable after a stop or a crash. */
  async function apply(id: number): Promise<void> {
    const delivery = o.store.get(id)!;
    const todo = new Map<string, ItemRow[]>();
    for (const item of o.store.unapplied(id)) todo.set(item.image, [...(todo.get(item.image) ?? []), item]);
    if (todo.size && !existsSync(zipPath(id))) {
      for (const items of todo.values()) for (const item of items) o.store.updateItem(id, item.n, { status: 'refused', reason: 'the delivery was interrupted before this image was stored: send the delivery again', applied: 1 });
      o.store.finish(id, new Date().toISOString());
      return;
    }
    if (todo.size) {
      mkdirSync(itemDir(id), { recursive: true, mode: 0o700 });
      const zip = await openZip(zipPath(id));
      try {
        const entries = await inspectZip(zip, budgets);
        for (const e of entries) {
          for (const item of todo.get(e.name) ?? []) {
            if (stopping) return;
            await applyItem(delivery, item, zip, e);
          }
        }
      } finally {
        zip.close();
      }
    }
    o.store.finish(id, new Date().toISOString());
    await unlink(zipPath(id)).catch(() => undefined);
    const c = o.store.counts(id);
    o.log.info({ delivery: id, file: delivery.file_name, ...c }, `delivery ${id} (${delivery.file_name}) done: ${c.matched} stored, ${c.waiting} waiting for an admin, ${c.refused} refused`);
  }

  async function applyItem(delivery: DeliveryRow, item: ItemRow, zip: Awaited<ReturnType<typeof openZip>>, e: ZipEntryInfo): Promise<void> {
    const ext = extname(e.name).toLowerCase();
    const kept = join(itemDir(delivery.id), `${item.n}${ext}`);
    await extractEntry(zip, e.entry, kept);
    if (item.status === 'waiting') {
      o.store.updateItem(delivery.id, item.n, { kept_path: kept, applied: 1 });
      return;
    }
    try {
      await o.photos.ingest({ tempPath: kept, name: `${item.local_id}${ext}`, account: delivery.account, remoteAddress: delivery.remote_address, origin: 'sftp' });
      o.store.updateItem(delivery.id, item.n, { applied: 1 });
    } catch (err) {
      if (!isAppError(err)) throw err;
      o.store.updateItem(delivery.id, item.n, { status: 'refused', reason: `line ${item.line} (${e.name}): ${err.message}`, applied: 1 });
    }
  }

  return {
    /** Whether `name` in /incoming/idphotos/ is a delivery rather than a photo. */
    isDelivery: (name: string) => /\.zip$/i.test(name),
    receive,

    /** Finishes deliveries a stop or a crash interrupted; call before anything listens. */
    start(): Promise<void> {
      // Tracked as one piece of work: `settled()` and `stop()` wait for the whole resume.
      return track(
        (async () => {
          for (const d of o.store.applying()) {
            if (stopping) return;
            await apply(d.id).catch((err) => o.log.error({ delivery: d.id, err: errorMessage(err) }, `delivery ${d.id} could not be finished; retrying at the next start`));
          }
        })(),
      );
    },
    async stop(): Promise<void> {
      stopping = true;
      await settled();
    },
    /** Resolves once every delivery received so far is applied (tests, the CLI). */
    settled,

    list: (limit = 100) => o.store.list(limit).map((d) => ({ ...d, counts: o.store.counts(d.id) })),
    detail(id: number): DeliveryDetail {
      const delivery = o.store.get(id);
      if (!delivery) throw new AppError('not_found', `there is no delivery ${id}`);
      return { delivery, counts: o.store.counts(id), items: o.store.items(id).map((i) => ({ ...i, candidateList: JSON.parse(i.candidates) as Candidate[] })) };
    },
    waiting: (limit = 200) => o.store.waiting(limit).map((i) => ({ ...i, candidateList: JSON.parse(i.candidates) as Candidate[], file_name: o.store.get(i.delivery_id)!.file_name })),
    /** Path of a waiting image, for the admin page. */
    keptImage(id: number, n: number): string {
      const item = o.store.item(id, n);
      if (!item?.kept_path || item.status !== 'waiting' || !existsSync(item.kept_path)) throw new AppError('not_found', `delivery ${id} has no waiting image ${n}`);
      return item.kept_path;
    },

    /** An admin's pick for a waiting line: stored as that person's photo through the photo store. */
    async assign(id: number, n: number, localId: string, actor: string): Promise<string> {
      const item = o.store.item(id, n);
      if (!item || item.status !== 'waiting' || !item.kept_path) throw new AppError('conflict', `line ${item?.line ?? n} of delivery ${id} is not waiting for a decision`);
      if (!o.store.activeUser(localId)) throw new AppError('invalid', `no active user has Local ID ${localId}`);
      const copy = `${item.kept_path}.assign`;
      await copyFile(item.kept_path, copy);
      const result = await o.photos.ingest({ tempPath: copy, name: `${localId}${extname(item.kept_path)}`, account: actor, origin: 'sftp' });
      o.store.updateItem(id, n, { status: 'assigned', local_id: localId, decided_by: actor, reason: `${item.reason}; assigned by ${actor}` });
      await unlink(item.kept_path).catch(() => undefined);
      o.audit.record({ actor, action: 'admin.action', local_id: localId, detail: `delivery ${id} line ${item.line} (${item.image}) assigned to ${localId}` });
      return result.message;
    },
    async discard(id: number, n: number, actor: string): Promise<void> {
      const item = o.store.item(id, n);
      if (!item || item.status !== 'waiting') throw new AppError('conflict', `line ${item?.line ?? n} of delivery ${id} is not waiting for a decision`);
      o.store.updateItem(id, n, { status: 'discarded', decided_by: actor, reason: `${item.reason}; discarded by ${actor}` });
      if (item.kept_path) await unlink(item.kept_path).catch(() => undefined);
      o.audit.record({ actor, action: 'admin.action', detail: `delivery ${id} line ${item.line} (${item.image}) discarded` });
    },

    /** The delivery report as CSV, one row per line of the index and per image it does not name. */
    reportCsv(id: number): { fileName: string; csv: string } {
      const { delivery, items } = this.detail(id);
      const lines = [csvRow(['Line', 'Image', 'Student ID', 'Last Name', 'First Name', 'Grade', 'Outcome', 'Local ID', 'Reason'])];
      for (const i of items) lines.push(csvRow([String(i.line || ''), i.image, i.student_id, i.last_name, i.first_name, i.grade, i.status, i.local_id, i.reason]));
      return { fileName: `delivery-${id}-${delivery.file_name.replace(/\.zip$/i, '').replace(/[^A-Za-z0-9._-]/g, '_')}.csv`, csv: `${CSV_BOM}${lines.join('\r\n')}\r\n` };
    },

    // What /incoming/idphotos/ lists for deliveries: the zip's name, size and mtime as sent.
    folderEntries: () => o.store.listed().map((d) => ({ name: d.file_name, size: d.bytes, mtime: d.mtime })),
    folderEntry(name: string) {
      const d = o.store.listedByName(name);
      return d && { name: d.file_name, size: d.bytes, mtime: d.mtime };
    },
    setMtime: (name: string, mtime: number) => o.store.setMtime(name, Math.floor(mtime)) > 0,
    unlist: (name: string) => o.store.unlist(name) > 0,
  };
}

export type DeliveryService = ReturnType<typeof createDeliveryService>;

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}
