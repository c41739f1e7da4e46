import { isAbsolute, relative, sep } from 'node:path';

/** Whether `path` is `dir` or lies below it (both absolute; `dir/..x` is below, `dir/../x` is not). */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return !isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`);
}
