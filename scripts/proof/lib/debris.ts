import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Temp files a dead process left behind that the running one (`pid`, spawned at `since`) did not
 * clear at start-up: the photo store's `photos/tmp/<pid>-…` of other processes, direct uploads in
 * `sftp/uploads/` and roster work folders in `imports/work/` older than this process.
 * (`sftp/staging/` is not debris: it holds temp-named uploads a client may resume for a day.)
 */
export function tempDebris(dataDir: string, pid: number, since: number): string[] {
  const found: string[] = [];
  for (const name of entries(join(dataDir, 'photos', 'tmp'))) {
    if (Number(name.split('-')[0]) !== pid) found.push(`photos/tmp/${name}`);
  }
  for (const sub of [join('sftp', 'uploads'), join('imports', 'work')]) {
    for (const name of entries(join(dataDir, sub))) {
      const st = statSync(join(dataDir, sub, name), { throwIfNoEntry: false });
      if (st && st.mtimeMs < since - 1000) found.push(`${sub}/${name}`);
    }
  }
  return found;
}

/**
 * Content files nothing refers to and versions without content: `sha256/ab/<sha>[.<size>.jpg]`
 * against the set of source hashes the database knows. Display images of `unrendered` content
 * (queued in photo_renders: shown already, made after the next start at the latest) may be missing.
 */
export function contentMismatch(dataDir: string, knownShas: Set<string>, sizes: readonly string[], unrendered = new Set<string>()): string[] {
  const root = join(dataDir, 'photos', 'sha256');
  const onDisk = new Set<string>();
  const problems: string[] = [];
  for (const prefix of entries(root)) {
    for (const name of entries(join(root, prefix))) {
      const sha = name.split('.')[0]!;
      if (!knownShas.has(sha)) problems.push(`unreferenced content file sha256/${prefix}/${name}`);
      if (!name.includes('.')) onDisk.add(sha);
    }
  }
  for (const sha of knownShas) {
    if (!onDisk.has(sha)) problems.push(`version ${sha.slice(0, 12)} has no source file`);
    for (const size of sizes) {
      const st = statSync(join(root, sha.slice(0, 2), `${sha}.${size}.jpg`), { throwIfNoEntry: false });
      if (st ? st.size === 0 : !unrendered.has(sha)) problems.push(`version ${sha.slice(0, 12)} has no ${size} display image`);
    }
  }
  return problems;
}
