import { performance } from 'node:perf_hooks';
import type { Tx } from '../../storage/index.ts';
import { yieldToIo } from '../../shared/yield-to-io.ts';
import type { ImportChangeStore } from '../../storage/import-change-store.ts';
import type { PlanEntry, Staging } from '../../storage/roster-staging.ts';
import type { RosterUser, UserStore } from '../../storage/user-store.ts';
import type { RosterCompare } from '../../storage/roster-compare.ts';
import { fieldChanges, person } from './changes.ts';
import { packedHead, packedShape, unpackRow, type PackedRow } from './packed-row.ts';
import { USER_FIELDS, type ImportError, type RosterRow } from './types.ts';

/**
 * The most plan entries the apply takes per page (a few milliseconds). It turns the event loop
 * after TX_MS of pages, the comparison after each COMPARE_CHUNK: a 500,000-row import never holds
 * the appliance, nor SQLite's write lock, for longer than that.
 */
export const CHUNK = 250;

/**
 * How long one apply transaction runs before it commits and lets the event loop turn: well
 * under the 100 ms the appliance may stall, with room for a slower disk or a busy machine.
 */
const TX_MS = 30;

/**
 * How long one page of the apply should take: its size follows the measured cost per entry, since
 * an update rewrites its user's entries in every index (a page of 250 updates took 80 ms, which
 * the time check between pages could not cut short).
 */
const PAGE_MS = 8;
const MIN_PAGE = 16;

/** Conflicts kept to report; the count stays exact (as for the file's own errors). */
const CONFLICTS_KEPT = 10_000;

/** What applying the staged rows would change: counts only (the entries are in the staging file). */
export interface Plan {
  inserts: number;
  updates: number;
  unchanged: number;
  /** Updates that bring an inactive user back. */
  reactivated: number;
  /** Updates that turn an active user inactive (a status column said so). */
  deactivatedByRow: number;
  /** New users the file lists as inactive (a status column said so). */
  addedInactive: number;
  /** Active users of this source that the file no longer lists. */
  missing: number;
  /** Active users attributed to this source before the import: the base of the deactivation share. */
  activeInSource: number;
  /** All users attributed to this source, active or not: the base of the change share. */
  usersInSource: number;
  /** Rows refused because their ID belongs to someone of the other role (the first CONFLICTS_KEPT). */
  conflicts: ImportError[];
  conflictCount: number;
}

/**
 * Staged rows and users compared per step of the plan: SQLite joins them, so a step of a few
 * thousand unchanged rows costs a few milliseconds and hands JavaScript only the rows that differ.
 */
export const COMPARE_CHUNK = 2000;

/**
 * Compares the staged rows with the users, a range of Local IDs at a time (SQLite joins the two:
 * storage/roster-compare.ts), and records in the staging file what the apply must do (insert,
 * update, and with `deactivateMissing` the missing to deactivate). A row whose Local ID is an
 * active user of the other role from another file is a conflict (one ID, one person), reported
 * on its line; the user is left alone. Reads only: nothing in the database changes.
 */
export async function planStaged(compare: RosterCompare, staging: Staging, source: string, sample: PackedRow | undefined, deactivateMissing: boolean): Promise<Plan> {
  const plan: Plan = { inserts: 0, updates: 0, unchanged: 0, reactivated: 0, deactivatedByRow: 0, addedInactive: 0, missing: 0, activeInSource: 0, usersInSource: 0, conflicts: [], conflictCount: 0 };
  // Every row of a file has the same columns: one tells which are compared.
  const cmp = compare.open(staging.path, source, packedShape(sample));
  try {
    let after = '';
    for (;;) {
      // NB: the step is a range of Local IDs, (after, upTo], bounded on both sides (another
      // file's people can fill a range of users the file has no rows in).
      const upTo = cmp.boundAfter(after, COMPARE_CHUNK);
      const differing = cmp.differingIn(after, upTo);
      const sourceUsers = cmp.sourceUsersIn(after, upTo);
      plan.usersInSource += sourceUsers.users;
      plan.activeInSource += sourceUsers.active;
      plan.unchanged += cmp.stagedIn(after, upTo) - differing.length;
      const entries: { local_id: string; action: PlanEntry['action'] }[] = [];
      for (const d of differing) {
        const row = packedHead(d.packed);
        if (d.user_role === null) {
          plan.inserts++;
          if (!row.active) plan.addedInactive++;
          entries.push({ local_id: d.local_id, action: 'insert' });
          continue;
        }
        if (d.user_role !== row.role && d.user_active === 1 && d.user_source !== source) {
          // NB: no name in the message: error lines travel to /reports/, which holds no student data.
          if (++plan.conflictCount <= CONFLICTS_KEPT) {
            plan.conflicts.push({
              line: row.line,
              local_id: d.local_id,
              message: `Local ID "${d.local_id}" already belongs to an active ${d.user_role} from ${d.user_source || 'another file'}; one ID is one person: give ${row.role === 'staff' ? 'staff' : 'students'} distinct IDs in the SIS`,
            });
          }
          continue;
        }
        plan.updates++;
        entries.push({ local_id: d.local_id, action: 'update' });
        const active = row.active ? 1 : 0;
        if (d.user_active === 0 && active === 1) plan.reactivated++;
        if (d.user_active === 1 && active === 0) plan.deactivatedByRow++;
      }
      // Users of this source in this range the file does not list.
      const missing = cmp.missingIn(after, upTo);
      plan.missing += missing.length;
      if (deactivateMissing) for (const id of missing) entries.push({ local_id: id, action: 'missing' });
      staging.putPlan(entries);
      if (upTo === undefined) return plan;
      after = upTo;
      await yieldToIo();
    }
  } finally {
    cmp.close();
  }
}

export interface ApplyTarget {
  tx: Tx;
  users: Pick<UserStore, 'byLocalIds' | 'insertMany' | 'update' | 'deactivate'>;
  /** Told, inside the transaction, of the users a chunk added (to count the photos they link). */
  added(localIds: string[]): void;
  importChanges: Pick<ImportChangeStore, 'appendChanges'>;
  /** Checkpoints what the transactions wrote (they commit without an fsync), the fsyncs off the event loop. */
  flush(): Promise<void>;
}

/** Apply transactions between two checkpoints of what they wrote. */
const TX_PER_FLUSH = 8;

/**
 * Carries out the plan of the staging file a chunk at a time, each chunk one transaction that
 * writes its users and lists their changes (import_changes) together. With `write: false` it only
 * lists who would change (a held import). Repeatable: an entry already carried out finds its user
 * as the plan wanted and is skipped, so an apply a crash cut off is finished by running it again.
 * `kept`: how many people the import lists already; returns how many it lists now.
 */
export async function applyPlan(target: ApplyTarget, staging: Staging, o: { importId: number; source: string; now: string; write: boolean; kept: number }): Promise<number> {
  const { tx } = target;
  let kept = o.kept;
  let after = '';
  let done = false;
  let unflushed = 0;
  // Measured from a small first page up: an update can cost 40 times an unchanged entry.
  let size = MIN_PAGE;
  while (!done) {
    tx(() => {
      // NB: pages until the time is up, then commit: each commit writes every index page the
      // transaction touched, so ~TX_MS per transaction costs a third of 500-row transactions.
      const started = performance.now();
      do {
        const pageStarted = performance.now();
        const page = staging.planPage(after, size);
        if (page.length) kept = applyPage(target, page, o, kept);
        if (page.length < size) done = true;
        else after = page[page.length - 1]!.local_id;
        const perEntry = (performance.now() - pageStarted) / Math.max(1, page.length);
        size = Math.max(MIN_PAGE, Math.min(CHUNK, Math.floor(PAGE_MS / perEntry)));
      } while (!done && performance.now() - started < TX_MS);
      // NB: immediate: it reads before it writes, and a deferred transaction whose snapshot another
      // connection wrote past fails at its first write with SQLITE_BUSY, without waiting.
    }, { durable: false, immediate: true });
    if (++unflushed === TX_PER_FLUSH) {
      unflushed = 0;
      await target.flush();
    }
    if (!done) await yieldToIo();
  }
  return kept;
}

/** One page of the plan carried out (or only listed), inside the caller's transaction. */
function applyPage({ users, importChanges, added }: ApplyTarget, page: PlanEntry[], o: { importId: number; source: string; now: string; write: boolean }, kept: number): number {
  const current = new Map(users.byLocalIds(page.map((e) => e.local_id)).map((u) => [u.local_id, u]));
  const inserts: RosterUser[] = [];
  const changes = [];
  for (const e of page) {
    const old = current.get(e.local_id);
    if (e.action === 'missing') {
      if (!old || old.active !== 1 || old.source !== o.source) continue;
      if (o.write) users.deactivate(e.local_id, o.now);
      changes.push(person('deactivated', old, []));
      continue;
    }
    const next = merge(old, unpackRow(e.packed!), o.source);
    if (!old) {
      inserts.push(next);
      changes.push(person('added', next, []));
      continue;
    }
    if (same(old, next)) continue;
    if (o.write) users.update(next, o.now);
    const kind = old.active === 1 && next.active === 0 ? 'deactivated' : old.active === 0 && next.active === 1 ? 'reactivated' : 'changed';
    changes.push(person(kind, next, fieldChanges(old, next)));
  }
  if (o.write && inserts.length) {
    users.insertMany(inserts, o.now);
    added(inserts.map((u) => u.local_id));
  }
  return importChanges.appendChanges(o.importId, changes, kept);
}

/** The user as the row makes it: columns the file does not have keep their stored values. */
function merge(user: RosterUser | undefined, row: RosterRow, source: string): RosterUser {
  const out: RosterUser = user
    ? { ...user }
    : { local_id: row.local_id, first_name: '', last_name: '', middle_name: '', role: row.role, grade: '', building: '', email: '', username: '', position: '', opt_out: '0', active: 1, source };
  for (let i = 0; i < USER_FIELDS.length; i++) {
    const v = row.values[i];
    if (v !== undefined) out[USER_FIELDS[i]!] = v;
  }
  out.role = row.role;
  out.active = row.active ? 1 : 0;
  out.source = source;
  return out;
}

/** True when the stored user already is what the plan makes of them (the entry was carried out). */
function same(old: RosterUser, next: RosterUser): boolean {
  if (old.role !== next.role || old.active !== next.active || old.source !== next.source) return false;
  for (const f of USER_FIELDS) if (String(old[f] ?? '') !== String(next[f] ?? '')) return false;
  return true;
}
