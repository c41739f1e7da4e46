import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config/parse.ts';
import { hashPassword } from '../../src/shared/passwords.ts';
import { numbered, students } from './fixtures.ts';

process.env.IDPHOTOS_LOG_LEVEL ??= 'silent';
const dir = mkdtempSync(join(tmpdir(), 'idphotos-roster-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function startStop(): Promise<Array<{ origin: string; status: string }>> {
  const hash = await hashPassword('a-long-test-password');
  const toml = `[sftp]\nlisten = "127.0.0.1:0"\n[[sftp.accounts]]\nusername = "district"\npassword_hash = "${hash}"\n[web]\nlisten = "127.0.0.1:0"\n[[web.accounts]]\nusername = "admin"\npassword_hash = "${hash}"\nrole = "admin"\n`;
  const app = await createApp(parseConfig(toml, '', dir));
  await app.start();
  await app.ctx.imports.idle();
  const list = app.ctx.roster.listImports();
  await app.stop(100);
  return list;
}

describe('roster files left by a stop', () => {
  it('imports a file that arrived but was never imported, once', async () => {
    // As if the appliance stopped inside the quiet period after this upload.
    mkdirSync(join(dir, 'data', 'incoming', 'data'), { recursive: true });
    writeFileSync(join(dir, 'data', 'incoming', 'data', 'students.csv'), students(numbered(5)));
    const first = await startStop();
    expect(first).toEqual([expect.objectContaining({ origin: 'startup', status: 'applied', added: 5 })]);
    const second = await startStop();
    expect(second).toHaveLength(1);
  });
});
