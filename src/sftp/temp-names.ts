/**
 * Names that clients use for files still in transfer: WinSCP `*.filepart`, `*.part`,
 * rclone `*.XXXXXX.partial`, `*.tmp`, Office-style `~*`, and dotfiles (lftp's `.in.*`,
 * macOS `._*`). Such files are staged, never ingested; renaming one to a final name is
 * the commit.
 */
const TEMP_SUFFIX = /\.(filepart|part|partial|tmp)$/i;

export function isTempName(name: string): boolean {
  return name.startsWith('.') || name.startsWith('~') || TEMP_SUFFIX.test(name);
}

/** True when `temp` is a transfer name for `final` (`S1.jpg.filepart` for `S1.jpg`). */
export function isTempFor(temp: string, final: string): boolean {
  return isTempName(temp) && temp.startsWith(`${final}.`);
}
