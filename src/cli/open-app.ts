import type { App, AppOverrides } from '../app.ts';
import type { Config } from '../config/schema.ts';
import { prepareNativeRuntime } from '../native/runtime.ts';

/**
 * The appliance as a one-shot command builds it: the same `createApp` as `serve` (same database,
 * same services), beside a running server on the same data_dir (WAL and a busy timeout let both
 * work). Close it with `app.stop()`.
 */
export async function openApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  prepareNativeRuntime(config);
  // NB: imported here so that the light commands (--version, check-config, hash-password) never load native libraries.
  const { createApp } = await import('../app.ts');
  return createApp(config, { mode: 'command', ...overrides });
}
