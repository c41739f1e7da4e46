import { AppError } from '../../shared/errors.ts';
import type { RosterConfig } from '../../config/schema.ts';
import type { RosterKind } from './types.ts';

/** A committed file in `/incoming/data/`, handed to the importer of its kind. */
export interface DataFileJob {
  name: string;
  path: string;
  /** Who sent it: `sftp:<account>` or `cli`. */
  origin: string;
}

/**
 * One file name the data folder accepts. Names are exact (case-sensitive), like photo names.
 * A kind without `run` is a companion: stored, and read by the import of another file
 * (OneRoster's manifest.csv, roles.csv, orgs.csv) or simply kept (the rest of a OneRoster set).
 */
export interface DataFileKind {
  name: string;
  /** `students`, `staff`, `oneroster`, `companion`, or another importer's kind (`devices`). */
  kind: string;
  /** For messages: what the file holds. */
  description: string;
  run?(job: DataFileJob): Promise<unknown>;
}

/**
 * The registry of file kinds: the one place that says which names `/incoming/data/` takes
 * and who imports each. Another importer adds its file with `register`.
 *
 * @example
 * registry.register({ name: 'devices.csv', kind: 'devices', description: 'devices', run: (job) => devices.importFile(job) });
 */
export class DataFileRegistry {
  private readonly kinds = new Map<string, DataFileKind>();

  register(kind: DataFileKind): void {
    if (this.kinds.has(kind.name)) throw new Error(`data file ${kind.name} is registered twice`);
    this.kinds.set(kind.name, kind);
  }

  find(name: string): DataFileKind | undefined {
    return this.kinds.get(name);
  }

  /** Importable names (not companions), for messages. */
  importable(): string[] {
    return [...this.kinds.values()].filter((k) => k.run).map((k) => k.name);
  }

  /** Throws AppError('invalid') saying what is accepted when `name` is not a known data file. */
  checkName(name: string): void {
    if (this.kinds.has(name)) return;
    const lower = name.toLowerCase();
    const near = [...this.kinds.keys()].find((k) => k.toLowerCase() === lower);
    const hint = near ? `names are case-sensitive: upload it as "${near}"` : `accepted here: ${this.importable().join(', ')}, and OneRoster's manifest.csv, roles.csv; any other name needs a [roster.mapping."${name}"] section in appliance.toml`;
    throw new AppError('invalid', `"${name}" is not a data file idphotos reads: ${hint}`);
  }
}

/** The roster kind of a name, from the mapping first, then the well-known names. */
export function rosterKindOf(name: string, config: RosterConfig): RosterKind | undefined {
  const mapped = config.mapping[name];
  if (mapped) return mapped.kind;
  return WELL_KNOWN[name];
}

const WELL_KNOWN: Record<string, RosterKind> = {
  'students.csv': 'students',
  'staff.csv': 'staff',
  'teachers.csv': 'staff',
  'users.csv': 'oneroster',
};

/** The file a kind's users are attributed to when the CLI imports a file under another name. */
export const CANONICAL_FILE: Record<RosterKind, string> = {
  students: 'students.csv',
  staff: 'staff.csv',
  oneroster: 'users.csv',
};

// The other files of a OneRoster set: accepted so a sync tool can upload the whole set, not imported.
const ONEROSTER_OTHERS = [
  'academicSessions.csv', 'categories.csv', 'classes.csv', 'classResources.csv', 'courses.csv', 'courseResources.csv',
  'demographics.csv', 'enrollments.csv', 'lineItems.csv', 'resources.csv', 'results.csv', 'userProfiles.csv',
  'scoreScales.csv', 'lineItemLearningObjectiveIds.csv', 'resultLearningObjectiveIds.csv',
];

/** Registers every roster file name (well-known and mapped) with `run` as their importer. */
export function registerRosterFiles(registry: DataFileRegistry, config: RosterConfig, run: (job: DataFileJob) => Promise<unknown>): void {
  const names = new Set([...Object.keys(WELL_KNOWN), ...Object.keys(config.mapping)]);
  for (const name of names) {
    const kind = rosterKindOf(name, config)!;
    registry.register({ name, kind, description: kind === 'oneroster' ? 'OneRoster users' : kind, run });
  }
  // NB: orgs.csv is read with users.csv too, but registered on its own: it gives building names.
  for (const name of ['manifest.csv', 'roles.csv', 'orgs.csv', ...ONEROSTER_OTHERS]) {
    if (!names.has(name) && !registry.find(name)) registry.register({ name, kind: 'companion', description: 'part of a OneRoster set' });
  }
}
