import { isAbsolute, relative } from 'node:path';

/** Whether `path` is `dir` or lies below it (both absolute). */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
