import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applianceToml } from '../../scripts/proof/lib/appliance-toml.ts';
import { opensshOptions } from '../../scripts/proof/lib/sftp-client.ts';
import { createApp, type App, type AppOverrides } from '../../src/app.ts';
import { parseConfig } from '../../src/config/parse.ts';
import { PASSWORD, run, sftpBatch, USER, type Harness, type RunResult } from '../sftp/harness.ts';

export { PASSWORD, USER, run };

/** A real appliance on 127.0.0.1:0 (SFTP and web) with one SFTP account (key) and an admin. */
export interface Appliance extends Harness {
  webPort: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** OpenSSH `sftp` uploads of `files` into /incoming/FOLDER/, from a scratch folder. */
  upload(folder: 'idphotos' | 'data', files: Record<string, string | Buffer>): Promise<RunResult>;
}

export async function startAppliance(extraToml = '', options: { createDir?: (dir: string) => void; overrides?: AppOverrides } = {}): Promise<Appliance> {
  const dir = mkdtempSync(join(tmpdir(), 'idphotos-ops-'));
  options.createDir?.(dir);
  const keyFile = join(dir, 'client_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test@client', '-f', keyFile]);
  const pub = readFileSync(`${keyFile}.pub`, 'utf8').trim();
  const toml = await applianceToml({
    dataDir: 'data',
    logLevel: 'warn',
    sftpAccounts: [{ username: USER, authorizedKeys: [pub] }],
    webAccounts: [{ username: 'admin', password: PASSWORD, role: 'admin' }],
    extraToml,
  });
  writeFileSync(join(dir, 'appliance.toml'), toml);
  const app: App = await createApp(parseConfig(toml, join(dir, 'appliance.toml')), options.overrides);
  const { sftpPort, webPort } = await app.start();
  const sshOpts = opensshOptions(sftpPort, keyFile);
  const scratch = mkdtempSync(join(tmpdir(), 'idphotos-ops-client-'));
  const self: Appliance = {
    app,
    port: sftpPort,
    webPort,
    url: `http://127.0.0.1:${webPort}`,
    dir,
    keyFile,
    sshOpts,
    async upload(folder, files) {
      for (const [name, content] of Object.entries(files)) writeFileSync(join(scratch, name), content);
      return sftpBatch(self, [`cd /incoming/${folder}`, ...Object.keys(files).map((name) => `-put ${name}`)], scratch);
    },
    async stop() {
      await app.stop(2000);
      rmSync(dir, { recursive: true, force: true });
      rmSync(scratch, { recursive: true, force: true });
    },
  };
  return self;
}

/** One sample's value from a Prometheus text exposition, e.g. `sample(text, 'x_total{a="b"}')`. */
export function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) {
      const v = line.slice(series.length + 1).trim();
      return v === '+Inf' ? Number.POSITIVE_INFINITY : v === 'NaN' ? Number.NaN : Number(v);
    }
  }
  return undefined;
}
