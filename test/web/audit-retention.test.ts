import { afterEach, describe, expect, it } from 'vitest';
import { startAuditRetention } from '../../src/domain/audit/retention.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { createTestSite, type TestSite } from './helpers.ts';

const DAY = 24 * 60 * 60 * 1000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();

let site: TestSite | undefined;
afterEach(async () => {
  await site?.close();
  site = undefined;
});

/** Views recorded `days` ago, as years of use leave them. */
function addViews(s: TestSite, count: number, days: number): void {
  s.db.tx(() => {
    for (let i = 0; i < count; i++) {
      s.db.run("INSERT INTO audit_log (at, actor, action, local_id) VALUES (?, 'desk', 'photo.view', ?)", daysAgo(days), `S${i}`);
    }
  });
}

const count = (s: TestSite, where: string) => s.db.get<{ n: number }>(`SELECT count(*) AS n FROM audit_log WHERE ${where}`)!.n;

describe('audit log retention (web.audit_retention_days)', () => {
  it('removes entries older than the retention at start, in batches, and records that it did', async () => {
    site = await createTestSite('audit_retention_days = 30');
    addViews(site, 12_345, 400);
    addViews(site, 3, 10);
    site.db.run("INSERT INTO audit_log (at, actor, action, detail) VALUES (?, 'cli:root', 'backup', 'to /srv/b')", daysAgo(400));
    await site.app.start();
    await expect.poll(() => count(site!, "action = 'photo.view'"), { timeout: 10_000 }).toBe(3);
    // Who copied every record stays on record.
    expect(count(site, `at < '${daysAgo(30)}'`)).toBe(1);
    expect(site.app.ctx.audit.lastBackup()).toMatchObject({ detail: 'to /srv/b' });
    site.app.ctx.audit.flush();
    const note = site.app.ctx.audit.list({ actor: 'idphotos' });
    expect(note).toEqual([expect.objectContaining({ action: 'admin.action', detail: expect.stringMatching(/^12345 audit entries older than 30 days \(before .+\) removed \(web\.audit_retention_days\)$/) })]);
  });

  it('keeps every entry with 0 (the default), and entries younger than the retention', async () => {
    site = await createTestSite();
    expect(site.app.ctx.config.web.audit_retention_days).toBe(0);
    addViews(site, 10, 4000);
    addViews(site, 5, 29);
    const log = createLogger('audit-test');
    await startAuditRetention(site.app.ctx.audit, 0, log).stop();
    expect(count(site, "action = 'photo.view'")).toBe(15);
    // stop() waits for the removal that started with it.
    await startAuditRetention(site.app.ctx.audit, 30, log).stop();
    expect(count(site, "action = 'photo.view'")).toBe(5);
  });

  it('a stop ends a long removal between two batches', async () => {
    site = await createTestSite();
    addViews(site, 12_000, 400);
    await startAuditRetention(site.app.ctx.audit, 30, createLogger('audit-test')).stop();
    expect(count(site, "action = 'photo.view'")).toBe(7000);
  });
});
