#!/usr/bin/env node
// Builds the single executable `dist/idphotos` with Node's Single Executable Applications:
//   esbuild → one CommonJS bundle → `node --experimental-sea-config` → a blob injected with
//   postject into a stripped copy of this node binary.
// Native addons cannot live inside the bundle: they travel as SEA assets, keyed by their path in
// node_modules, and src/native/sea-provider.ts unpacks and dlopens them at run time.
// Why not pkg: see README, "Building the single executable".
//
// Usage: node scripts/build-sea.mjs [--out FILE]
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = join(ROOT, 'src/native/sea-main.ts');
const RUNTIME = join(ROOT, 'src/native/runtime.ts');
// The fuse postject flips so that node looks for the injected blob (fixed by Node's SEA design).
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/**
 * Shared libraries an addon needs beside it, found through its rpath rather than `require`:
 * sharp's addon loads libvips from `$ORIGIN/../../sharp-libvips-linux-x64/lib`.
 */
const COMPANIONS = { '@img/sharp-linux-x64': ['@img/sharp-libvips-linux-x64/lib'] };
/**
 * Runs first in the bundle. The `require` an executable's main script gets loads built-in
 * modules only and warns on stderr for anything else; optional packages that libraries probe
 * inside try/catch (sharp's other platforms, its `versions` files) should simply be missing,
 * as they are in an npm install without them.
 */
const BANNER = `var __idphotosImportMetaUrl = require("node:url").pathToFileURL(process.execPath).href;
var require = ((req) => {
  const { isBuiltin } = req("node:module");
  const missing = (id) => Object.assign(new Error("Cannot find module '" + id + "' (not in the executable)"), { code: "MODULE_NOT_FOUND" });
  const wrapped = (id) => { if (!isBuiltin(id)) throw missing(id); return req(id); };
  wrapped.resolve = (id) => { if (!isBuiltin(id)) throw missing(id); return id; };
  return wrapped;
})(require);`;

const [major, minor] = process.versions.node.split('.').map(Number);
// sea.getRawAsset, which hands the native libraries back at run time, arrived in Node 20.12.
if (major < 20 || (major === 20 && minor < 12)) throw new Error(`building the executable needs Node >= 20.12 (this is ${process.version})`);
if (process.platform !== 'linux') throw new Error('the executable is built on Linux, for Linux (strip, ELF rpath of sharp)');

const { values } = parseArgs({ options: { out: { type: 'string', default: join(ROOT, 'dist/idphotos') } } });
const out = resolve(values.out);
const started = performance.now();
const work = mkdtempSync(join(tmpdir(), 'idphotos-build-'));
try {
  const natives = new Map(); // path inside node_modules → absolute file
  const bundle = join(work, 'idphotos.cjs');
  const result = await build({
    entryPoints: [ENTRY],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // NB: keepNames: ssh2 compares `constructor.name === 'Session'`; minified names crash the
    // server when a client disconnects after an exec request (rclone does that).
    minify: true,
    keepNames: true,
    legalComments: 'eof',
    // `import.meta.url` is empty in CommonJS; give code that asks a usable file URL.
    define: { 'import.meta.url': '__idphotosImportMetaUrl' },
    banner: { js: BANNER },
    // hash-wasm's `main` is a UMD file with every algorithm's WebAssembly as base64 text (216 KB of
    // the bundle, and those strings made on the heap at start); its ES module build, which esbuild
    // prefers for `module` when told, lets the bundle keep only argon2 and what it uses.
    alias: { 'hash-wasm': 'hash-wasm/dist/index.esm.js' },
    plugins: [sharpCommonJs(), iconvWithoutDoubleByte(), nativeAddons(natives)],
    logLevel: 'error',
    metafile: true,
  });
  for (const w of result.warnings) console.warn(`esbuild: ${w.text}`);

  for (const [pkg, dirs] of Object.entries(COMPANIONS)) {
    if (![...natives.keys()].some((p) => p.startsWith(`${pkg}/`))) continue;
    for (const dir of dirs) {
      const abs = join(ROOT, 'node_modules', dir);
      for (const name of readdirSync(abs)) if (/\.so(\.|$)/.test(name)) natives.set(`${dir}/${name}`, join(abs, name));
    }
  }
  const addons = [...natives.keys()].filter((p) => p.endsWith('.node'));
  const probe = addons.find((p) => p.includes('better_sqlite3')) ?? addons[0];
  if (!probe) throw new Error('no native addon was found in the bundle; is better-sqlite3 still imported?');

  const hash = createHash('sha256').update(process.version);
  const files = [...natives].sort(([a], [b]) => a.localeCompare(b)).map(([path, abs]) => {
    const bytes = readFileSync(abs);
    hash.update(path).update(bytes);
    return { path, abs, size: bytes.length };
  });
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  const manifest = { key: `${version}-${hash.digest('hex').slice(0, 16)}`, probe, files: files.map(({ path, size }) => ({ path, size })) };
  writeFileSync(join(work, 'manifest.json'), JSON.stringify(manifest));

  const blob = join(work, 'idphotos.blob');
  const seaConfig = {
    main: bundle,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    assets: Object.fromEntries([
      ['native/manifest.json', join(work, 'manifest.json')],
      ...files.map((f) => [`native/files/${f.path}`, f.abs]),
    ]),
  };
  writeFileSync(join(work, 'sea-config.json'), JSON.stringify(seaConfig, null, 2));
  quietly(process.execPath, ['--experimental-sea-config', join(work, 'sea-config.json')]);

  const exe = join(work, 'idphotos');
  copyFileSync(process.execPath, exe);
  chmodSync(exe, 0o755);
  // NB: strip BEFORE injecting: stripping afterwards drops the injected section.
  quietly('strip', ['-s', exe]);
  // NB: postject's LIEF warns "Can't find string offset for section name" on a stripped binary; harmless.
  const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
  quietly(process.execPath, [postject, exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SENTINEL_FUSE]);

  mkdirSync(dirname(out), { recursive: true });
  const temp = join(dirname(out), `.${basename(out)}.tmp`);
  copyFileSync(exe, temp);
  chmodSync(temp, 0o755);
  renameSync(temp, out);

  const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  console.log(
    `built ${relative(process.cwd(), out) || out}: ${mb(statSync(out).size)} (bundle ${mb(statSync(bundle).size)}, ` +
      `${files.length} native files ${mb(files.reduce((s, f) => s + f.size, 0))}) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Runs a build tool, showing its chatter only when it fails. */
function quietly(file, args) {
  try {
    execFileSync(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if (err.code === 'ENOENT') throw new Error(`${file} is not installed${file === 'strip' ? ' (it comes with binutils)' : ''}`);
    process.stderr.write(`${err.stdout ?? ''}${err.stderr ?? ''}`);
    throw new Error(`${basename(file)} failed (exit ${err.status ?? err.signal})`);
  }
}

/**
 * sharp's ESM entry loads its addon through a `createRequire` esbuild cannot follow; its
 * CommonJS entry uses plain `require` calls, which the nativeAddons plugin can replace.
 */
function sharpCommonJs() {
  return {
    name: 'sharp-commonjs',
    setup(b) {
      b.onResolve({ filter: /^sharp$/ }, (args) =>
        args.pluginData === 'sharp-cjs' ? undefined : b.resolve('sharp', { kind: 'require-call', resolveDir: args.resolveDir, pluginData: 'sharp-cjs' }),
      );
      // Its first two attempts load a locally compiled addon through template-literal paths that
      // match nothing in an npm install; esbuild refuses such globs, so they become a failed try.
      b.onLoad({ filter: /[\\/]sharp[\\/]dist[\\/]sharp\.cjs$/ }, (args) => ({
        contents: readFileSync(args.path, 'utf8').replace(/require\(`\.\.\/src\/build\/Release\/[^`]*`\)/g, '(() => { throw new Error("no local sharp build"); })()'),
        loader: 'js',
      }));
    },
  };
}

/**
 * iconv-lite without its double-byte (Chinese, Japanese, Korean) tables: 410 KB of the bundle's
 * 2.1 MB, all of which V8 keeps on the heap as the script's source. The appliance decodes only
 * UTF-8, UTF-16 and Windows-1252 (`TextEncoding` in src/domain/roster/decode.ts, also used by
 * the delivery index files), none of which is double-byte; asked for one, iconv-lite would
 * say "Encoding not recognized".
 */
function iconvWithoutDoubleByte() {
  return {
    name: 'iconv-without-double-byte',
    setup(b) {
      b.onLoad({ filter: /[\\/]iconv-lite[\\/]encodings[\\/]dbcs-data\.js$/ }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
    },
  };
}

/**
 * Replaces every `require('….node')` (and better-sqlite3's `require('bindings')(name)`) with a
 * call to src/native/runtime.ts's loadNativeAddon, and records the file to embed as an asset.
 */
function nativeAddons(natives) {
  const modulePath = (abs) => {
    const marker = `${sep}node_modules${sep}`;
    return abs.slice(abs.lastIndexOf(marker) + marker.length).split(sep).join('/');
  };
  const loader = (path) => `module.exports = require(${JSON.stringify(RUNTIME)}).loadNativeAddon(${JSON.stringify(path)});`;
  return {
    name: 'native-addons',
    setup(b) {
      b.onResolve({ filter: /\.node$/ }, async (args) => {
        if (args.pluginData === 'native') return undefined;
        // `@img/sharp-linux-x64/sharp.node` is a package export that maps to a .cjs file.
        const r = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'native' });
        if (r.errors.length || !r.path.endsWith('.node')) return r.errors.length ? { path: args.path, external: true } : r;
        const path = modulePath(r.path);
        natives.set(path, r.path);
        return { path, namespace: 'native-addon' };
      });
      b.onLoad({ filter: /.*/, namespace: 'native-addon' }, (args) => ({ contents: loader(args.path), resolveDir: ROOT, loader: 'js' }));

      b.onResolve({ filter: /^bindings$/ }, (args) => {
        let dir = args.resolveDir;
        while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
        const release = join(dir, 'build', 'Release');
        for (const name of readdirSync(release)) if (name.endsWith('.node')) natives.set(modulePath(join(release, name)), join(release, name));
        return { path: modulePath(release), namespace: 'native-bindings' };
      });
      b.onLoad({ filter: /.*/, namespace: 'native-bindings' }, (args) => ({
        contents: `const { loadNativeAddon } = require(${JSON.stringify(RUNTIME)});
module.exports = (opts) => loadNativeAddon(${JSON.stringify(`${args.path}/`)} + (typeof opts === 'string' ? opts : opts.bindings));`,
        resolveDir: ROOT,
        loader: 'js',
      }));
    },
  };
}

