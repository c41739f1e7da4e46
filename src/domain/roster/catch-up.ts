import type { IncomingFolder } from '../incoming/folder.ts';
import { readFileFacts } from './decode.ts';
import type { DataFileRegistry } from './file-kinds.ts';
import type { ImportScheduler } from './scheduler.ts';
import type { RosterService } from './service.ts';

/**
 * At start: a roster file committed just before a stop (inside the quiet period) was never
 * imported. Any data file in the folder whose content is not the last one recorded for its
 * name is queued again. Files already imported, refused or held are left alone.
 */
export function catchUpUploads(folder: IncomingFolder, registry: DataFileRegistry, roster: RosterService, scheduler: ImportScheduler): Promise<string[]> {
  const work = queueChanged(folder, registry, roster, scheduler);
  scheduler.track(work);
  return work;
}

async function queueChanged(folder: IncomingFolder, registry: DataFileRegistry, roster: RosterService, scheduler: ImportScheduler): Promise<string[]> {
  const queued: string[] = [];
  for (const entry of folder.list()) {
    const kind = registry.find(entry.name);
    // Every importer records into the one history by file name (rosters, devices.csv).
    if (!kind?.run) continue;
    const path = folder.contentPath(entry.name);
    if (!path) continue;
    const { sha256 } = await readFileFacts(path);
    if (roster.lastSha256Of(entry.name) === sha256) continue;
    scheduler.enqueue({ name: entry.name, path, origin: 'startup' });
    queued.push(entry.name);
  }
  return queued;
}
