// Alerts from a running appliance to a real HTTP receiver and a real SMTP server (aiosmtpd):
// each cause raised once and resolved once; retries with back-off; a receiver that never
// answers does not hold up uploads.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { parseConfig, redactConfig } from '../../src/config/parse.ts';
import { conditions, type Observed } from '../../src/domain/alerts/conditions.ts';
import { SIZE_NAMES } from '../../src/domain/photos/sizes.ts';
import { createWebApp } from '../../src/web/app.ts';
import { signInAs } from '../web/helpers.ts';
import { createDelivery, mailChannel, MAX_QUEUED, webhookChannel, type AlertMessage } from '../../src/domain/alerts/delivery.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { logs, photo } from '../sftp/harness.ts';
import { PASSWORD, run, sample, startAppliance, type Appliance } from './helpers.ts';
import { startSmtpReceiver, startWebhookReceiver, type SmtpReceiver, type WebhookReceiver } from './receivers.ts';

const BIN = resolve(import.meta.dirname, '../../bin/idphotos.js');
const FAST_RETRY = { attempts: 4, baseDelayMs: 50, maxDelayMs: 200, timeoutMs: 5_000 };
const MINUTE = 60_000;

const roster = (...ids: string[]) => `Local ID,First Name,Last Name\r\n${ids.map((id) => `${id},First${id},Last${id}`).join('\r\n')}\r\n`;

describe('alerts by webhook and mail', () => {
  let a: Appliance;
  let hook: WebhookReceiver;
  let smtp: SmtpReceiver;
  // The appliance's clock: the tests move it forward instead of waiting an hour.
  let ahead = 0;
  const fired = (cause: string) => hook.delivered.filter((m) => m.cause === cause && m.status === 'firing');
  const resolved = (cause: string) => hook.delivered.filter((m) => m.cause === cause && m.status === 'resolved');
  const settle = async () => {
    a.app.ctx.alerts.check();
    // Nothing else to wait for: the queue of each channel is one promise chain.
    await new Promise((r) => setTimeout(r, 0));
  };

  beforeAll(async () => {
    // Answers 503 to the very first request: the first alert arrives on its second try.
    hook = await startWebhookReceiver((n) => (n === 1 ? 503 : 200));
    smtp = await startSmtpReceiver();
    a = await startAppliance(
      [
        '[roster]',
        'quiet_seconds = 0',
        'deactivate_missing = ["students"]',
        '[alerts]',
        `webhook_url = "${hook.url}"`,
        `smtp_url = "smtp://127.0.0.1:${smtp.port}"`,
        'from = "idphotos@district.example"',
        'to = ["it@district.example", "oncall@district.example"]',
        'refused_per_hour = 3',
        'min_free_percent = 0',
        'render_stuck_minutes = 15',
        'backup_overdue_hours = 2',
      ].join('\n'),
      { overrides: { now: () => Date.now() + ahead, alertRetry: FAST_RETRY, alertCheckEveryMs: 200 } },
    );
  });
  afterAll(async () => {
    await a?.stop();
    await hook?.close();
    await smtp?.close();
  });

  it('a held roster import: one alert by webhook (after a 503, retried) and mail, one resolve once it is discarded', async () => {
    expect((await a.upload('data', { 'students.csv': roster('S1', 'S2', 'S3', 'S4') })).stderr).toBe('');
    await a.app.ctx.imports.idle();
    expect((await a.upload('data', { 'students.csv': roster('S1') })).stderr).toBe('');
    await a.app.ctx.imports.idle();
    const held = a.app.ctx.roster.listImports().find((r) => r.status === 'held')!;
    expect(held).toBeDefined();
    const cause = `import-held:${held.id}`;

    await expect.poll(() => fired(cause).length).toBe(1);
    expect(hook.arrived).toBeGreaterThanOrEqual(2); // the 503 and the retry
    expect(fired(cause)[0]).toMatchObject({ status: 'firing', title: `roster import ${held.id} (students.csv) is held for an admin`, detail: expect.stringContaining('/admin/imports') });
    await expect.poll(() => smtp.messages().filter((m) => m.subject.includes(`ALERT: roster import ${held.id}`)).length).toBe(1);
    const mail = smtp.messages().find((m) => m.subject.includes(`ALERT: roster import ${held.id}`))!;
    expect(mail.envelopeFrom).toBe('idphotos@district.example');
    expect(mail.envelopeTo).toBe('it@district.example,oncall@district.example');
    expect(mail.text).toContain('Approve or discard it on the Imports page');

    // Checked again and again (every 200 ms here): still once.
    await settle();
    await new Promise((r) => setTimeout(r, 500));
    expect(fired(cause)).toHaveLength(1);

    // The admin's status page lists it.
    const web = createWebApp(a.app.ctx);
    const { cookie } = await signInAs(web, 'admin', PASSWORD);
    const page = (await (await web.request('/admin/status', { headers: { cookie } })).text()).replace(/<[^>]+>/g, '');
    expect(page).toContain(`roster import ${held.id} (students.csv) is held for an admin`);
    expect(page).toContain('Each alert and its resolution are sent by webhook and mail.');

    await a.app.ctx.roster.discard(held.id, 'admin');
    await expect.poll(() => resolved(cause).length).toBe(1);
    await expect.poll(() => smtp.messages().filter((m) => m.subject.includes(`RESOLVED: roster import ${held.id}`)).length).toBe(1);
    expect(a.app.ctx.alerts.active().map((r) => r.cause)).not.toContain(cause);
  });

  // NB: before the tests that move the clock ahead: the queue's age is counted from the upload's real time.
  it('a render queue stuck behind a display file that cannot be written, resolved once it renders', async () => {
    const bytes = await photo(41);
    const sha = createHash('sha256').update(bytes).digest('hex');
    // A folder where a display image must go: every write of it fails, so the upload is stored,
    // acknowledged and shown but its rendering is retried, as with a disk that fails.
    const blocker = join(a.dir, 'data', 'photos', 'sha256', sha.slice(0, 2), `${sha}.${SIZE_NAMES[0]}.jpg`);
    mkdirSync(join(blocker, 'x'), { recursive: true });
    expect((await a.upload('idphotos', { 'S1.jpg': bytes })).stderr).toBe('');
    await expect.poll(() => a.app.ctx.folders.idphotos.stat('S1.jpg')).toBeDefined();
    await settle();
    expect(fired('render-stuck')).toHaveLength(0);

    ahead += 16 * MINUTE;
    await expect.poll(() => fired('render-stuck').length).toBe(1);
    expect(fired('render-stuck')[0]!.title).toMatch(/^1 photos waiting for display images since /);
    // The metrics show the same queue, read when scraped.
    const scraped = await (await fetch(`${a.url}/metrics`)).text();
    expect(sample(scraped, 'idphotos_render_queue_depth')).toBe(1);
    expect(sample(scraped, 'idphotos_render_queue_oldest_age_seconds')).toBeGreaterThan(0);

    // Shown all along: only its display images wait.
    expect(a.app.ctx.photos.photo('S1')?.source_sha256).toBe(sha);
    rmSync(blocker, { recursive: true });
    // The render is retried every 10 s; once it is made the queue is empty.
    await expect.poll(() => resolved('render-stuck').length, { timeout: 30_000 }).toBe(1);
  }, 60_000);

  it('refused uploads: one alert when the hour reaches refused_per_hour, one resolve when the hour has passed', async () => {
    const refuse = (names: string[]) => a.upload('idphotos', Object.fromEntries(names.map((n) => [n, 'not a photo'])));
    await refuse(['a.txt', 'b.txt']);
    await settle();
    expect(fired('uploads-refused')).toHaveLength(0);
    await refuse(['c.txt']);
    await expect.poll(() => fired('uploads-refused').length).toBe(1);
    await refuse(['d.txt', 'e.txt']);
    await settle();
    expect(fired('uploads-refused')).toHaveLength(1);
    expect(fired('uploads-refused')[0]!.detail).toContain('/admin/photos');

    ahead += 61 * MINUTE;
    await expect.poll(() => resolved('uploads-refused').length).toBe(1);
    await expect.poll(() => smtp.messages().filter((m) => /RESOLVED: .*uploads refused in the last hour/.test(m.subject)).length).toBe(1);
  });

  it('backup overdue: raised after backup_overdue_hours without one, resolved by `idphotos backup`', async () => {
    expect(fired('backup-overdue')).toHaveLength(0);
    ahead += 2 * 60 * MINUTE;
    await expect.poll(() => fired('backup-overdue').length).toBe(1);
    expect(fired('backup-overdue')[0]!.title).toBe('no backup has ever been taken');

    const dest = join(a.dir, 'backup-now');
    const made = await run(process.execPath, [BIN, 'backup', dest, '--config', join(a.dir, 'appliance.toml')], { cwd: a.dir });
    expect(made.stderr).toBe('');
    // The CLI's backup is dated by the real clock: the appliance's goes back to it, so the backup is minutes old.
    ahead = 0;
    await expect.poll(() => resolved('backup-overdue').length).toBe(1);
  });
});

describe('a receiver that never answers', () => {
  let a: Appliance;
  let hook: WebhookReceiver;
  beforeAll(async () => {
    hook = await startWebhookReceiver(() => 'hang');
    // Nothing listens on the SMTP port: the connection is refused at once.
    const closed = await startWebhookReceiver();
    const deadPort = Number(new URL(closed.url).port);
    await closed.close();
    a = await startAppliance(
      `[alerts]\nwebhook_url = "${hook.url}"\nsmtp_url = "smtp://127.0.0.1:${deadPort}"\nfrom = "idphotos@district.example"\nto = ["it@district.example"]\nmin_free_percent = 99`,
      { overrides: { alertRetry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 100, timeoutMs: 60_000 } } },
    );
  });
  afterAll(async () => {
    await hook?.close();
  });

  it('holds up neither uploads nor the stop: the alert waits in the background', async () => {
    // min_free_percent = 99: the disk alert is raised at start, and its webhook POST hangs.
    await expect.poll(() => hook.arrived).toBe(1);
    expect(a.app.ctx.alerts.active().map((r) => r.cause)).toContain('disk-low');
    const res = await a.upload('idphotos', { 'S7.jpg': await photo(7), 'S8.jpg': await photo(8) });
    expect(res.stderr).toBe('');
    await expect.poll(() => a.app.ctx.photos.photo('S8')?.source_sha256).toBeDefined();
    expect(hook.delivered).toHaveLength(0);
    expect(hook.arrived).toBe(1); // still waiting for its answer
    // The mail server is not there: tried 3 times with back-off, then given up and logged.
    await expect.poll(() => logs.some((l) => l.sub === 'alerts' && l.channel === 'mail' && l.cause === 'disk-low' && l.attempts === 3)).toBe(true);
    expect(logs.filter((l) => l.sub === 'alerts' && l.channel === 'mail' && l.cause === 'disk-low' && typeof l.retryInMs === 'number').map((l) => l.retryInMs)).toEqual([50, 100]);
    await a.stop();
  });
});

describe('alert conditions', () => {
  const config = parseConfig('[alerts]\nrefused_per_hour = 10\nmin_free_percent = 10\nrender_stuck_minutes = 15\nbackup_overdue_hours = 26\n', '').alerts;
  const now = Date.parse('2026-12-03T12:00:00Z');
  const calm: Observed = {
    now,
    startedAt: now - MINUTE,
    heldImports: [],
    refusedLastHour: 0,
    renderQueue: { count: 0, oldest: undefined },
    disk: { free: 50, total: 100 },
    lastBackupAt: new Date(now - 60 * MINUTE).toISOString(),
  };
  const causes = (o: Partial<Observed>, refusing = false) => conditions(config, { ...calm, ...o }, refusing).map((c) => c.cause);

  it.each<[string, Partial<Observed>, boolean, string[]]>([
    ['nothing wrong', {}, false, []],
    ['two held imports', { heldImports: [{ id: 4, file: 'students.csv', received_at: '', reason: '' }, { id: 9, file: 'staff.csv', received_at: '', reason: '' }] }, false, ['import-held:4', 'import-held:9']],
    ['refusals at the threshold', { refusedLastHour: 10 }, false, ['uploads-refused']],
    ['refusals under it, not raised', { refusedLastHour: 9 }, false, []],
    ['refusals under it but at half, raised already', { refusedLastHour: 5 }, true, ['uploads-refused']],
    ['refusals under half, raised already', { refusedLastHour: 4 }, true, []],
    ['disk under min_free_percent', { disk: { free: 9, total: 100 } }, false, ['disk-low']],
    ['disk at it', { disk: { free: 10, total: 100 } }, false, []],
    ['disk unreadable', { disk: undefined }, false, []],
    ['a render pending 15 minutes', { renderQueue: { count: 3, oldest: new Date(now - 15 * MINUTE).toISOString() } }, false, ['render-stuck']],
    ['a render pending 14 minutes', { renderQueue: { count: 3, oldest: new Date(now - 14 * MINUTE).toISOString() } }, false, []],
    ['the last backup 26 hours ago', { lastBackupAt: new Date(now - 26 * 60 * MINUTE).toISOString() }, false, ['backup-overdue']],
    ['no backup, started 25 hours ago', { lastBackupAt: undefined, startedAt: now - 25 * 60 * MINUTE }, false, []],
    ['no backup, started 26 hours ago', { lastBackupAt: undefined, startedAt: now - 26 * 60 * MINUTE }, false, ['backup-overdue']],
  ])('%s', (_name, o, refusing, expected) => {
    expect(causes(o, refusing)).toEqual(expected);
  });

  it('min_free_percent = 0 and backup_overdue_hours = 0 turn those off', () => {
    const off = parseConfig('[alerts]\nmin_free_percent = 0\nbackup_overdue_hours = 0\n', '').alerts;
    expect(conditions(off, { ...calm, disk: { free: 0, total: 100 }, lastBackupAt: undefined, startedAt: 0 }, false)).toEqual([]);
  });

  it('keeps the webhook and SMTP URLs (they may carry a password or a token) out of the start-up log line', () => {
    const config = parseConfig('[alerts]\nwebhook_url = "https://hooks.example/T0/secret-path"\nsmtp_url = "smtp://alerts:mail-pass@mail.example:587"\nfrom = "a@b.example"\nto = ["c@d.example"]\n', 'a.toml');
    const logged = JSON.stringify(redactConfig(config));
    expect(logged).not.toContain('secret-path');
    expect(logged).not.toContain('mail-pass');
  });

  it('smtp_url needs from and to', () => {
    expect(() => parseConfig('[alerts]\nsmtp_url = "smtp://mail.example:25"\n', 'a.toml')).toThrow('smtp_url needs from and to');
    expect(() => parseConfig('[alerts]\nwebhook_url = "ftp://x"\n', 'a.toml')).toThrow('alerts.webhook_url: must be an http:// or https:// URL');
    expect(() => parseConfig('[alerts]\nto = ["it@district.example", "oncall"]\n', 'a.toml')).toThrow('alerts.to[1]: "oncall" is not a mail address');
    expect(parseConfig('[alerts]\nsmtp_url = "smtp://mail:25"\nfrom = "idphotos <idphotos@district.example>"\nto = ["it@district.example"]\n', 'a.toml').alerts.to).toEqual(['it@district.example']);
  });
});

describe('the alert queue', () => {
  it('keeps at most 100 messages per channel: a burst past that drops the oldest, logged', async () => {
    const hook = await startWebhookReceiver();
    try {
      const delivery = createDelivery([webhookChannel(hook.url)], createLogger('alerts-queue-test'), FAST_RETRY);
      const message = (n: number): AlertMessage => ({ status: 'firing', cause: `burst:${n}`, title: `burst ${n}`, detail: '', since: '', at: '', appliance: 'test' });
      for (let n = 1; n <= MAX_QUEUED + 2; n++) delivery.send(message(n));
      await delivery.idle();
      expect(hook.delivered.map((m) => m.cause)).toEqual(Array.from({ length: MAX_QUEUED }, (_, i) => `burst:${i + 3}`));
      const dropped = logs.filter((l) => l.sub === 'alerts-queue-test' && String(l.msg).includes('dropped the oldest'));
      expect(dropped.map((l) => l.cause)).toEqual(['burst:1', 'burst:2']);
      await delivery.stop();
    } finally {
      await hook.close();
    }
  });
});

describe('alerts across a restart', () => {
  it('are not sent again by a restart, and the resolve still goes out after one', async () => {
    const hook = await startWebhookReceiver();
    const a = await startAppliance(`[alerts]\nwebhook_url = "${hook.url}"\nmin_free_percent = 99`, { overrides: { alertRetry: FAST_RETRY } });
    try {
      await expect.poll(() => hook.delivered.length).toBe(1);
      expect(hook.delivered[0]).toMatchObject({ status: 'firing', cause: 'disk-low' });
      await a.app.stop(2000);

      const file = join(a.dir, 'appliance.toml');
      const toml = readFileSync(file, 'utf8');
      const again = await createApp(parseConfig(toml, file), { alertRetry: FAST_RETRY });
      await again.start();
      again.ctx.alerts.check();
      expect(again.ctx.alerts.active().map((r) => r.cause)).toEqual(['disk-low']);
      await again.stop(2000);
      expect(hook.delivered).toHaveLength(1);

      // Started with the threshold lowered: the alert raised before the restart is resolved.
      writeFileSync(file, toml.replace('min_free_percent = 99', 'min_free_percent = 0'));
      const lowered = await createApp(parseConfig(readFileSync(file, 'utf8'), file), { alertRetry: FAST_RETRY });
      await lowered.start();
      await expect.poll(() => hook.delivered.length).toBe(2);
      expect(hook.delivered[1]).toMatchObject({ status: 'resolved', cause: 'disk-low', since: hook.delivered[0]!.since });
      await lowered.stop(2000);
    } finally {
      await hook.close();
      rmSync(a.dir, { recursive: true, force: true });
    }
  });
});

describe('alert mail with a password in smtp_url', () => {
  const message: AlertMessage = { status: 'firing', cause: 'disk-low', title: 'Disk almost full', detail: 'x', since: new Date().toISOString(), at: new Date().toISOString(), appliance: 'test' };

  it('never sends the password over a connection that TLS does not protect (a server, or a man in the middle, without STARTTLS)', async () => {
    const smtp = await startSmtpReceiver({ auth: true });
    try {
      const channel = mailChannel({ smtpUrl: `smtp://alerts:mail-pass@127.0.0.1:${smtp.port}`, from: 'idphotos@district.example', to: ['it@district.example'], timeoutMs: 15_000 });
      await expect(channel.send(message, new AbortController().signal)).rejects.toThrow(/TLS/i);
      expect(smtp.logins()).toEqual([]);
      expect(smtp.messages()).toEqual([]);
      // Without a password there is nothing to protect: a plain relay on port 25 still gets the mail.
      const plain = mailChannel({ smtpUrl: `smtp://127.0.0.1:${smtp.port}`, from: 'idphotos@district.example', to: ['it@district.example'], timeoutMs: 15_000 });
      await plain.send(message, new AbortController().signal);
      expect(smtp.messages().map((m) => m.subject)).toEqual(['[idphotos test] ALERT: Disk almost full']);
    } finally {
      await smtp.close();
    }
  });
});
