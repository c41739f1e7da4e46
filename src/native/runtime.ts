import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { ensureWritableDir } from '../storage/files.ts';

/**
 * Where native libraries (better-sqlite3, sharp, ssh2's crypto) come from. Run from source,
 * Node's own `require` finds them in node_modules and nothing here is used. Inside the single
 * executable a provider is installed at start (see sea-main.ts) that unpacks them from the
 * executable into `executable.cache_dir` and loads them from there. The domain never sees this.
 */
export interface NativeProvider {
  /** Unpacks the libraries into `cacheDir` if needed and proves they can be loaded from it. */
  prepare(cacheDir: string): void;
  /** Loads one addon by its path inside node_modules, e.g. `better-sqlite3/build/Release/better_sqlite3.node`. */
  load(modulePath: string): unknown;
}

let provider: NativeProvider | undefined;

export function installNativeProvider(p: NativeProvider): void {
  provider = p;
}

/** Whether this process is the single executable (only its entry point installs a provider). */
export function isSingleExecutable(): boolean {
  return provider !== undefined;
}

/** `executable.cache_dir`, or `<data_dir>/runtime` when it is empty. */
export function nativeCacheDir(config: Config): string {
  return config.executable.cache_dir || join(config.data_dir, 'runtime');
}

/**
 * Called by commands that need native libraries, once the configuration is read and before
 * they import the code that uses them. Throws a one-line reason (cache folder not writable,
 * mounted noexec) that the CLI prints as is. A no-op when run from source.
 */
export function prepareNativeRuntime(config: Config): void {
  if (!provider) return;
  // The default cache folder lives in data_dir: name data_dir itself when that is the problem.
  if (!config.executable.cache_dir) ensureWritableDir(config.data_dir, 'data_dir');
  provider.prepare(nativeCacheDir(config));
}

/** Used by the executable's bundle in place of `require('…/x.node')`; see scripts/build-sea.mjs. */
export function loadNativeAddon(modulePath: string): unknown {
  if (!provider) throw new Error(`native library ${modulePath} is only loaded this way inside the single executable`);
  return provider.load(modulePath);
}
