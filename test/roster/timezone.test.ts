import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applianceToml } from '../../scripts/proof/lib/appliance-toml.ts';
import { createApp, type App } from '../../src/app.ts';
import { parseConfig } from '../../src/config/parse.ts';
import { formatLocalTime } from '../../src/shared/time.ts';
import { createWebApp } from '../../src/web/app.ts';
import { PASSWORD, run } from '../sftp/harness.ts';
import { signInAs } from '../web/helpers.ts';

const BIN = join(import.meta.dirname, '../../bin/idphotos.js');
let dir: string;
let app: App;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'idphotos-tz-'));
  const toml = `timezone = "America/Chicago"\n${await applianceToml({ dataDir: 'data', webAccounts: [{ username: 'admin', password: PASSWORD, role: 'admin' }] })}`;
  writeFileSync(join(dir, 'appliance.toml'), toml);
  app = await createApp(parseConfig(toml, join(dir, 'appliance.toml')));
  writeFileSync(join(dir, 'students.csv'), 'Local ID,First Name,Last Name\r\nS1,Ann,Lee\r\n');
  await app.ctx.roster.importFile({ path: join(dir, 'students.csv'), origin: 'test' });
});
afterAll(async () => {
  await app?.stop(1000);
  rmSync(dir, { recursive: true, force: true });
});

describe('the district clock (timezone)', () => {
  it.each([
    ['2026-01-15T14:30:00.000Z', 'America/Chicago', '2026-01-15 08:30 CST'],
    ['2026-07-15T14:30:00.000Z', 'America/Chicago', '2026-07-15 09:30 CDT'],
    ['2026-07-15T23:30:00.000Z', 'Asia/Tokyo', '2026-07-16 08:30 GMT+9'],
    ['2026-07-15T14:30:00.000Z', 'UTC', '2026-07-15 14:30 UTC'],
  ])('shows %s in %s as %s', (iso, tz, shown) => {
    expect(formatLocalTime(iso, tz)).toBe(shown);
  });

  it('refuses a name that is not a time zone, saying what to write', () => {
    expect(() => parseConfig('timezone = "Central"\n', 'appliance.toml')).toThrow('appliance.toml:1: timezone: "Central" is not a time zone name: use an IANA name such as "America/Chicago", "Europe/London" or "UTC"');
  });

  it('shows times on pages in the configured zone while the API keeps ISO 8601 in UTC', async () => {
    const web = createWebApp(app.ctx);
    const { cookie } = await signInAs(web, 'admin', PASSWORD);
    const [rec] = app.ctx.roster.listImports();
    const api = (await (await web.request(`/api/imports/${rec!.id}`, { headers: { cookie } })).json()) as { received_at: string };
    expect(api.received_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const page = await (await web.request(`/admin/imports/${rec!.id}`, { headers: { cookie } })).text();
    expect(page).toContain(formatLocalTime(api.received_at, 'America/Chicago'));
    expect(page).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d C[SD]T/);
    expect(page).not.toMatch(/\d\d:\d\d UTC/);
  });

  it('shows times in the CLI in the configured zone, else in the server\'s', async () => {
    const [rec] = app.ctx.roster.listImports();
    const list = await run(process.execPath, [BIN, 'imports', 'list', '--config', join(dir, 'appliance.toml')]);
    expect(list.stdout).toContain(`\t${formatLocalTime(rec!.received_at, 'America/Chicago')}\t`);
    writeFileSync(join(dir, 'server-zone.toml'), 'data_dir = "data"\n');
    const server = await run(process.execPath, [BIN, 'imports', 'list', '--config', join(dir, 'server-zone.toml')], { env: { ...process.env, TZ: 'Asia/Tokyo' } });
    expect(server.stdout).toContain(`\t${formatLocalTime(rec!.received_at, 'Asia/Tokyo')}\t`);
    expect(server.stdout).toContain('GMT+9');
  });
});
