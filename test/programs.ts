import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { packageOf } from './prerequisites.ts';

/** Every executable file named one of `names` on PATH, in the order of `names`, then PATH. */
function programsOnPath(...names: string[]): string[] {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const found: string[] = [];
  for (const name of names) {
    for (const dir of dirs) {
      const path = join(dir, name);
      try {
        accessSync(path, constants.X_OK);
        found.push(path);
      } catch {
        // not here
      }
    }
  }
  return found;
}

/** The first of `names` found on PATH (an executable file), or undefined. */
export function findProgram(...names: string[]): string | undefined {
  return programsOnPath(...names)[0];
}

/**
 * The first python3 on PATH that can import `module` (a pyenv or virtualenv python3 earlier on
 * PATH usually lacks Debian's python3-* modules); throws at once, naming the package, when none can.
 */
export function requirePython(module: string, pkg = `python3-${module}`): string {
  const found = programsOnPath('python3').find((python) => spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 10_000 }).status === 0);
  if (found) return found;
  throw new Error(`no python3 on PATH can import ${module}: apt-get install -y --no-install-recommends ${pkg} (npm test installs the missing test packages when run as root)`);
}

/**
 * The path of the first of `names` on PATH; throws at once, naming the Debian package that
 * provides it, when none is there (a test must not wait out a timeout for a missing program).
 */
export function requireProgram(...names: string[]): string {
  const found = findProgram(...names);
  if (found) return found;
  const pkg = packageOf(names[0]!) ?? names[0]!;
  throw new Error(`${names.join(' or ')} is not installed (not on PATH): apt-get install -y --no-install-recommends ${pkg} (npm test installs the missing test packages when run as root)`);
}
