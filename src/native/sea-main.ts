/**
 * Entry point of the single executable (bundled by scripts/build-sea.mjs). It differs from
 * bin/idphotos.js only in where native libraries come from.
 */
import { configFromArgs } from '../cli/common.ts';
import { installNativeProvider, nativeCacheDir } from './runtime.ts';
import { createSeaProvider } from './sea-provider.ts';

installNativeProvider(
  // A command that needs a native library before calling prepareNativeRuntime still gets the
  // configured folder: the one the command line's configuration names.
  createSeaProvider(() => nativeCacheDir(configFromArgs(configOption(process.argv.slice(2))))),
);
// NB: a dynamic import, so that the provider is in place before any module of the CLI runs.
import('../cli.ts')
  .then(({ run }) => run())
  .catch((err: unknown) => {
    process.stderr.write(`idphotos: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });

function configOption(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--config' || a === '-c') return args[i + 1];
    if (a.startsWith('--config=')) return a.slice('--config='.length);
  }
  return undefined;
}
