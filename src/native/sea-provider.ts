import { getAsset, getRawAsset } from 'node:sea';
import { existsSync, lstatSync, mkdirSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { ensureWritableDir, writeFileAtomic } from '../storage/files.ts';
import type { NativeProvider } from './runtime.ts';

/** Written by scripts/build-sea.mjs as the asset `native/manifest.json`. */
export interface NativeManifest {
  /** Hash of every embedded native file: a new build with other libraries gets a new folder. */
  key: string;
  /** Loaded by `prepare` to prove the folder allows running code (not mounted noexec). */
  probe: string;
  files: { path: string; size: number }[];
}

export const MANIFEST_ASSET = 'native/manifest.json';
export const fileAsset = (path: string): string => `native/files/${path}`;

/**
 * Unpacks the native libraries embedded in the executable into `<cache_dir>/<key>/`, laid out
 * as in node_modules (sharp's addon finds libvips through its rpath `$ORIGIN/../../…`), and
 * loads them with `process.dlopen`. Unpacked once per build; later starts only stat the files.
 *
 * @param fallbackCacheDir where to unpack if a library is needed before `prepare` was called
 */
export function createSeaProvider(fallbackCacheDir: () => string): NativeProvider {
  const manifest = JSON.parse(getAsset(MANIFEST_ASSET, 'utf8')) as NativeManifest;
  const loaded = new Map<string, unknown>();
  let dir: string | undefined;

  const prepare = (cacheDir: string): void => {
    if (dir) return;
    ensureWritableDir(cacheDir, 'executable.cache_dir');
    const target = join(cacheDir, manifest.key);
    mkdirSync(target, { recursive: true, mode: 0o700 });
    refuseSharedFolder(target);
    for (const file of manifest.files) unpack(target, file);
    dir = target;
    load(manifest.probe);
  };

  const load = (path: string): unknown => {
    if (loaded.has(path)) return loaded.get(path);
    if (!dir) prepare(fallbackCacheDir());
    const file = join(dir!, path);
    const module = { exports: {} as unknown };
    try {
      process.dlopen(module, file, constants.dlopen.RTLD_NOW);
    } catch (err) {
      const message = (err as Error).message;
      if (/failed to map segment|operation not permitted/i.test(message)) {
        throw new Error(
          `executable.cache_dir ${dirname(dir!)} is on a file system mounted noexec, so the native libraries unpacked there cannot run; set [executable] cache_dir to a folder where programs may run`,
        );
      }
      throw new Error(`cannot load the native library ${file}: ${message.split('\n')[0]}`);
    }
    loaded.set(path, module.exports);
    return module.exports;
  };

  return { prepare, load };
}

/** Another user able to write here could swap a library we are about to load. */
function refuseSharedFolder(dir: string): void {
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) {
    throw new Error(
      `executable.cache_dir folder ${dir} is not a private folder of this user (owner or permissions differ); remove it or choose another cache_dir`,
    );
  }
}

function unpack(dir: string, file: { path: string; size: number }): void {
  const target = join(dir, file.path);
  if (existsSync(target) && statSync(target).size === file.size) return;
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  // Written beside, then renamed: a second process starting at the same moment never loads half a file.
  const bytes = new Uint8Array(getRawAsset(fileAsset(file.path)) as ArrayBuffer);
  try {
    writeFileAtomic(target, bytes, 0o700);
  } catch (err) {
    throw new Error(`cannot unpack native libraries into ${dir}: ${(err as NodeJS.ErrnoException).code === 'ENOSPC' ? 'disk full' : (err as Error).message}`);
  }
}
