import { AppError } from '../shared/errors.ts';

export type FolderName = 'idphotos' | 'data' | 'reports';
/** The upload folders under /incoming/; `reports` is the read-only /reports/ beside it. */
export const FOLDER_NAMES: readonly FolderName[] = ['idphotos', 'data'];

/** Where a client's path lands in the one virtual tree every account sees. */
export type VPath =
  | { kind: 'root'; path: '/' }
  | { kind: 'incoming'; path: '/incoming' }
  | { kind: 'folder'; path: string; folder: FolderName }
  | { kind: 'file'; path: string; folder: FolderName; name: string }
  | { kind: 'nowhere'; path: string; why: string };

const MAX_PATH_BYTES = 4096;
const MAX_NAME_BYTES = 255;

/**
 * Normalizes a client path against `/` (every account's home): `.` and `..` are resolved
 * lexically and cannot climb above `/`, so nothing outside the virtual tree is reachable.
 * There are no symlinks in the tree to follow.
 */
export function normalizePath(raw: string): string {
  if (raw.includes('\0')) throw new AppError('invalid', 'the path contains a NUL byte');
  if (Buffer.byteLength(raw) > MAX_PATH_BYTES) throw new AppError('invalid', `the path is longer than ${MAX_PATH_BYTES} bytes`);
  const out: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else {
      if (Buffer.byteLength(part) > MAX_NAME_BYTES) throw new AppError('invalid', `a name in the path is longer than ${MAX_NAME_BYTES} bytes`);
      out.push(part);
    }
  }
  return `/${out.join('/')}`;
}

export function resolvePath(raw: string): VPath {
  const path = normalizePath(raw);
  const parts = path === '/' ? [] : path.slice(1).split('/');
  if (parts.length === 0) return { kind: 'root', path: '/' };
  if (parts[0] === 'reports') {
    if (parts.length === 1) return { kind: 'folder', path, folder: 'reports' };
    if (parts.length === 2) return { kind: 'file', path, folder: 'reports', name: parts[1]! };
    return { kind: 'nowhere', path, why: `${path} does not exist: /reports/ has no subfolders` };
  }
  if (parts[0] !== 'incoming') return { kind: 'nowhere', path, why: `${path} does not exist: uploads go to /incoming/idphotos/ (photos) or /incoming/data/ (roster CSV files)` };
  if (parts.length === 1) return { kind: 'incoming', path: '/incoming' };
  const folder = parts[1] as FolderName;
  if (!FOLDER_NAMES.includes(folder)) return { kind: 'nowhere', path, why: `${path} does not exist: /incoming/ holds only idphotos/ and data/` };
  if (parts.length === 2) return { kind: 'folder', path, folder };
  if (parts.length === 3) return { kind: 'file', path, folder, name: parts[2]! };
  return { kind: 'nowhere', path, why: `${path} does not exist: /incoming/${folder}/ has no subfolders (they would not be searched)` };
}

export function folderPath(folder: FolderName): string {
  return folder === 'reports' ? '/reports/' : `/incoming/${folder}/`;
}
