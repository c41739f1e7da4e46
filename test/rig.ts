import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { applianceToml, type ApplianceSpec } from '../scripts/proof/lib/appliance-toml.ts';
import { runProgram, type RunResult } from '../scripts/proof/lib/run-program.ts';
import { opensshOptions } from '../scripts/proof/lib/sftp-client.ts';
import { createApp, type App, type AppOverrides } from '../src/app.ts';
import { parseConfig } from '../src/config/parse.ts';
import type { Db } from '../src/storage/db.ts';
import { databaseOf } from '../src/storage/index.ts';
import { createWebApp } from '../src/web/app.ts';
import type { WebEnv } from '../src/web/env.ts';

/**
 * The one rig that starts a real appliance inside a test's process, for every test folder: the
 * same `createApp` as `idphotos serve` (overrides for crash points and the like) on a fresh temp
 * folder, real SQLite, real photo store. The folders' own helpers (web/helpers.ts, photos/site.ts,
 * checkout/site.ts, sftp/harness.ts) only choose accounts and add their clients. Tests that need
 * a separate process (kill -9, Deno, the executable) use scripts/proof/lib/appliance.ts.
 */
export interface RigOptions extends ApplianceSpec {
  /** Prefix of the temp folder. */
  prefix?: string;
  /** Generate an ed25519 key for OpenSSH clients and authorize it for the first SFTP account. */
  clientKey?: boolean;
  /** Listen on 127.0.0.1:0 (SFTP and web); otherwise requests go through `web.request()`. */
  listen?: boolean;
  /** Also write the configuration to `<dir>/appliance.toml` (for CLI commands beside the rig). */
  writeConfig?: boolean;
  overrides?: AppOverrides;
  /** How long `close()` lets in-flight work finish (ms). */
  stopGraceMs?: number;
}

export interface Rig {
  app: App;
  /** The web app over the same context (`web.request()` with no socket). */
  web: Hono<WebEnv>;
  /** The database under the stores, to seed and inspect tables directly. */
  db: Db;
  dir: string;
  /** Set with `clientKey`. */
  keyFile?: string;
  /** Set with `listen`. */
  sftpPort?: number;
  webPort?: number;
  base?: string;
  /** OpenSSH options for this rig: its port, the client key, no host key prompts (with `listen` and `clientKey`). */
  sshOpts: string[];
  /** OpenSSH `sftp -b -` as the first SFTP account, commands on stdin (with `listen` and `clientKey`). */
  sftp(commands: string[], cwd?: string): Promise<RunResult>;
  close(): Promise<void>;
}

export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const { prefix = 'idphotos-rig-', clientKey, listen, writeConfig, overrides, stopGraceMs = 200, ...spec } = options;
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let keyFile: string | undefined;
  if (clientKey) {
    keyFile = join(dir, 'client_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test@client', '-f', keyFile]);
    const pub = readFileSync(`${keyFile}.pub`, 'utf8').trim();
    const [first, ...rest] = spec.sftpAccounts ?? [];
    if (!first) throw new Error('clientKey needs an SFTP account to authorize the key for');
    spec.sftpAccounts = [{ ...first, authorizedKeys: [...(first.authorizedKeys ?? []), pub] }, ...rest];
  }
  const toml = await applianceToml(spec);
  if (writeConfig) writeFileSync(join(dir, 'appliance.toml'), toml);
  const app = await createApp(parseConfig(toml, '', dir), overrides);
  const ports = listen ? await app.start() : undefined;
  const sftpUser = spec.sftpAccounts?.[0]?.username ?? 'district';
  const sshOpts = ports && keyFile ? opensshOptions(ports.sftpPort, keyFile) : [];
  return {
    app,
    web: createWebApp(app.ctx),
    db: databaseOf(app.storage),
    dir,
    keyFile,
    sftpPort: ports?.sftpPort,
    webPort: ports?.webPort,
    base: ports && `http://127.0.0.1:${ports.webPort}`,
    sshOpts,
    sftp(commands, cwd) {
      if (!sshOpts.length) throw new Error('this rig was started without listen and clientKey');
      return runProgram('sftp', [...sshOpts, '-b', '-', `${sftpUser}@127.0.0.1`], { input: `${commands.join('\n')}\n`, cwd });
    },
    async close() {
      await app.stop(stopGraceMs);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
