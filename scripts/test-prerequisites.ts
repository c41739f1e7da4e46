/**
 * `npm test`'s pretest step: makes sure the Debian packages the tests use (test/prerequisites.ts)
 * are installed. As root with apt-get, it installs the missing ones (once: apt-get update, then one
 * install); otherwise it stops at once with one line naming them and the command that installs
 * them, rather than letting tests fail one by one or wait for programs that are not there.
 */
import { spawnSync } from 'node:child_process';
import { PREREQUISITES } from '../test/prerequisites.ts';
import { findProgram } from '../test/programs.ts';

const wanted = PREREQUISITES.map((p) => p.package);

/** Packages of `names` dpkg does not list as installed; undefined where there is no dpkg. */
function missingPackages(names: string[]): string[] | undefined {
  if (!findProgram('dpkg-query')) return undefined;
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package}\t${db:Status-Abbrev}\n', ...names], { encoding: 'utf8' });
  const installed = new Set(
    r.stdout
      .split('\n')
      .map((line) => line.split('\t'))
      .filter(([, status]) => status?.startsWith('ii'))
      .map(([name]) => name),
  );
  return names.filter((n) => !installed.has(n));
}

function main(): number {
  const missing = missingPackages(wanted);
  if (missing === undefined) {
    // Not Debian: the package names mean nothing here; each test names the program it lacks.
    console.error(`test prerequisites: no dpkg-query here, so not checked; the tests use the programs of these Debian packages: ${wanted.join(' ')}`);
    return 0;
  }
  if (missing.length === 0) return 0;
  const install = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  const root = process.getuid?.() === 0;
  if (!root || !findProgram('apt-get')) {
    console.error(`npm test needs these Debian packages, missing here: ${missing.join(' ')}; install them with: sudo sh -c '${install}'`);
    return 1;
  }
  console.error(`test prerequisites: installing ${missing.join(' ')} (${install})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) => spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'inherit'] }).status === 0;
  if (!apt(['update', '-qq']) || !apt(['install', '-y', '-qq', '--no-install-recommends', ...missing])) {
    console.error(`test prerequisites: apt-get could not install ${missing.join(' ')}; run yourself: ${install}`);
    return 1;
  }
  const still = missingPackages(missing) ?? [];
  if (still.length) {
    console.error(`test prerequisites: still missing after apt-get: ${still.join(' ')}; run yourself: ${install}`);
    return 1;
  }
  return 0;
}

process.exitCode = main();
