import type { FolderEntry } from '../domain/incoming/folder.ts';
import { S_IFDIR, S_IFREG } from './protocol/constants.ts';
import type { Attrs, NameEntry } from './protocol/packet.ts';

export function fileAttrs(e: FolderEntry): Attrs {
  return { size: e.size, uid: 0, gid: 0, permissions: S_IFREG | 0o644, atime: e.mtime, mtime: e.mtime };
}

export function dirAttrs(mtime: number): Attrs {
  return { size: 4096, uid: 0, gid: 0, permissions: S_IFDIR | 0o755, atime: mtime, mtime };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SIX_MONTHS = 182 * 24 * 3600;

/**
 * An `ls -l` line as OpenSSH's sftp-server writes it; some clients (FileZilla, lftp with
 * some settings) parse these rather than the attributes.
 */
export function longname(name: string, attrs: Attrs, owner: string, now = Date.now() / 1000): string {
  const isDir = ((attrs.permissions ?? 0) & 0o170000) === S_IFDIR;
  const mode = isDir ? 'drwxr-xr-x' : '-rw-r--r--';
  const t = new Date((attrs.mtime ?? 0) * 1000);
  const day = String(t.getUTCDate()).padStart(2, ' ');
  const recent = Math.abs(now - (attrs.mtime ?? 0)) < SIX_MONTHS;
  const when = recent
    ? `${String(t.getUTCHours()).padStart(2, '0')}:${String(t.getUTCMinutes()).padStart(2, '0')}`
    : ` ${t.getUTCFullYear()}`;
  const size = String(attrs.size ?? 0).padStart(8, ' ');
  return `${mode}    1 ${owner.padEnd(8, ' ')} ${owner.padEnd(8, ' ')} ${size} ${MONTHS[t.getUTCMonth()]} ${day} ${when} ${name}`;
}

export function nameEntry(name: string, attrs: Attrs, owner: string): NameEntry {
  return { name, longname: longname(name, attrs, owner), attrs };
}
