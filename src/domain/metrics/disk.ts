import { statfsSync } from 'node:fs';

export interface DiskSpace {
  /** Bytes an unprivileged process may still write. */
  free: number;
  total: number;
}

/** Free and total space of the filesystem holding `dir`; undefined when it cannot be read. */
export function diskSpace(dir: string): DiskSpace | undefined {
  try {
    const fs = statfsSync(dir);
    return { free: fs.bavail * fs.bsize, total: fs.blocks * fs.bsize };
  } catch {
    return undefined;
  }
}
