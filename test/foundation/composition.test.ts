import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config/parse.ts';
import { databaseOf } from '../../src/storage/index.ts';

process.env.IDPHOTOS_LOG_LEVEL ??= 'silent';
const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'idphotos-composition-'));
  dirs.push(dir);
  return parseConfig('[sftp]\nlisten = "127.0.0.1:0"\n[web]\nlisten = "127.0.0.1:0"\n', '', dir);
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('createApp, the one composition root', () => {
  it('builds a command beside a server without generating accounts or host keys, and refuses to serve it', async () => {
    const config = fresh();
    const app = await createApp(config, { mode: 'command' });
    try {
      expect(existsSync(join(config.data_dir, 'generated-accounts.json'))).toBe(false);
      expect(existsSync(join(config.data_dir, 'ssh_host_ed25519_key'))).toBe(false);
      expect(app.generated).toEqual([]);
      await expect(app.start()).rejects.toThrow(/created for a command/);
      // The same services as serve: a roster import through the context works.
      expect(app.ctx.roster.listImports()).toEqual([]);
    } finally {
      await app.stop(0);
    }
    const served = await createApp(config);
    try {
      expect(served.generated.map((g) => g.service).sort()).toEqual(['sftp', 'web']);
      expect(existsSync(join(config.data_dir, 'ssh_host_ed25519_key'))).toBe(true);
    } finally {
      await served.stop(0);
    }
  });

  it('hands the edges services, not the database', async () => {
    const app = await createApp(fresh(), { mode: 'command' });
    try {
      expect(Object.keys(app.ctx)).not.toContain('db');
      for (const value of Object.values(app.ctx)) expect(value).not.toBe(databaseOf(app.storage));
    } finally {
      await app.stop(0);
    }
  });

  it('leaves a database written by a newer version alone with migrate: false (backup), and refuses it otherwise', async () => {
    const config = fresh();
    const first = await createApp(config, { mode: 'command' });
    databaseOf(first.storage).run('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)', '999-from-the-future', new Date().toISOString());
    await first.stop(0);
    await expect(createApp(config, { mode: 'command' })).rejects.toThrow(/newer idphotos \(unknown migrations: 999-from-the-future\)/);
    const backup = await createApp(config, { mode: 'command', migrate: false });
    await backup.stop(0);
  });
});
