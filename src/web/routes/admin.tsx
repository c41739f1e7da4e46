import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { auditCsv, auditCsvName, parseAuditRange } from '../../domain/audit/audit-export.ts';
import type { AppContext } from '../../context.ts';
import { displayName } from '../../domain/users/users.ts';
import type { WebEnv } from '../env.ts';
import { AuditPage } from '../views/audit-page.tsx';
import { BACKUP_STALE_DAYS, StatusPage, type StatusData } from '../views/status-page.tsx';
import { PhotosPage } from '../views/photos-page.tsx';
import { adminImportRoutes } from './admin-imports.tsx';
import { adminTokenRoutes } from './admin-tokens.tsx';
import { adminExportRoutes } from './admin-export.tsx';
import { adminDeliveryRoutes } from './admin-deliveries.tsx';
import { adminStaffRoutes } from './admin-staff.tsx';

/** Admin pages under /admin (the admin role is checked in front of this, in web/app.ts). */
export function adminRoutes(ctx: AppContext): Hono<WebEnv> {
  const app = new Hono<WebEnv>();

  app.get('/', (c) => c.redirect('/admin/status', 303));

  app.get('/audit', (c) => {
    const localId = c.req.query('local_id')?.trim() || undefined;
    const actor = c.req.query('actor')?.trim() || undefined;
    const before = Number(c.req.query('before'));
    const limit = 100;
    const entries = ctx.audit.list({ localId, actor, limit: limit + 1, beforeId: Number.isInteger(before) && before > 0 ? before : undefined });
    const page = entries.slice(0, limit);
    const person = localId ? ctx.users.find(localId) : undefined;
    return c.html(
      <AuditPage
        user={c.get('user')!}
        path={c.req.path}
        filter={{ localId, actor }}
        personName={person ? displayName(person) : undefined}
        entries={page}
        nextBeforeId={entries.length > limit ? page[page.length - 1]!.id : undefined}
      />,
    );
  });

  // Streams a page of entries at a time: an export of years of entries holds one page in memory.
  app.get('/audit/export.csv', (c) => {
    const range = parseAuditRange({ local_id: c.req.query('local_id'), from: c.req.query('from'), to: c.req.query('to') });
    const user = c.get('user')!;
    ctx.audit.record({ actor: user.username, action: 'audit.export', local_id: range.localId ?? '', detail: `audit log exported as CSV (${describeRange(c.req.query('from'), c.req.query('to'))})`, ip: c.get('ip') });
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="${auditCsvName(range)}"`);
    c.header('Cache-Control', 'no-store');
    return c.body(Readable.toWeb(Readable.from(utf8(auditCsv(ctx.audit, range)))) as ReadableStream);
  });

  app.route('/imports', adminImportRoutes(ctx.roster));
  app.route('/tokens', adminTokenRoutes(ctx.tokens));
  app.route('/deliveries', adminDeliveryRoutes(ctx.deliveries));
  app.route('/export', adminExportRoutes(ctx.exports, () => ctx.users.filterOptions()));
  app.route('/staff', adminStaffRoutes(ctx));

  app.get('/photos', (c) => {
    const done = c.req.query('done');
    const file = c.req.query('file') ?? '';
    const id = c.req.query('local_id') ?? '';
    // Other values of `done` are the message of a delivery line picked or discarded here.
    const notice = done === 'applied' ? `${file} is now the photo of ${id}.` : done === 'dismissed' ? `${id} is no longer suggested for ${file}.` : done || undefined;
    return c.html(
      <PhotosPage
        user={c.get('user')!}
        path={c.req.path}
        unmatched={ctx.photos.unmatched(200)}
        rejected={ctx.photos.rejected(200)}
        recent={ctx.status.recentPhotos(25)}
        waiting={ctx.deliveries.waiting(200)}
        notice={notice}
      />,
    );
  });

  // A near-miss hint applied or dismissed from the photos page: checked again, audited, history kept.
  for (const action of ['apply', 'dismiss'] as const) {
    app.post(`/photos/hints/${action}`, async (c) => {
      const user = c.get('user')!;
      const form = await c.req.parseBody();
      const file = String(form.file ?? '');
      const localId = String(form.local_id ?? '');
      if (action === 'apply') await ctx.photos.applyHint(file, localId, `web:${user.username}`);
      else ctx.photos.dismissHint(file, localId, `web:${user.username}`);
      const detail = action === 'apply' ? `unmatched photo ${file} applied as the photo of ${localId} (near-miss hint)` : `near-miss hint ${localId} dismissed for unmatched photo ${file}`;
      c.set('audit', { localId, detail });
      return c.redirect(`/admin/photos?${new URLSearchParams({ done: action === 'apply' ? 'applied' : 'dismissed', file, local_id: localId })}`, 303);
    });
  }

  app.get('/status', (c) => c.html(<StatusPage user={c.get('user')!} path={c.req.path} data={statusData(ctx, new URL(c.req.url).hostname)} />));

  return app;
}

function statusData(ctx: AppContext, requestHost: string): StatusData {
  const listen = ctx.config.sftp.listen;
  const wildcard = listen.host === '0.0.0.0' || listen.host === '::' || listen.host === '';
  const last = ctx.roster.listImports({ limit: 1 })[0];
  const backup = ctx.audit.lastBackup();
  return {
    users: ctx.users.counts(),
    retention: ctx.config.photos.retain_inactive_days > 0 ? { days: ctx.config.photos.retain_inactive_days, due: ctx.photos.retentionDue(ctx.config.photos.retain_inactive_days, 1001) } : undefined,
    photos: ctx.status.photoCounts(),
    missing: ctx.status.missingPhotos(),
    staffMissing: ctx.status.staffPhotos(),
    lastImport: last && {
      file: last.file,
      status: last.status,
      at: last.decided_at ?? last.received_at,
      summary: last.reason || `${last.added} added, ${last.updated} updated, ${last.deactivated} deactivated, ${last.error_count} lines with errors.`,
    },
    lastBackup: backup && {
      at: backup.at,
      actor: backup.actor,
      detail: backup.detail,
      stale: Date.now() - Date.parse(backup.at) > BACKUP_STALE_DAYS * 24 * 60 * 60 * 1000,
    },
    alerts: { active: ctx.alerts.active(), channels: [ctx.config.alerts.webhook_url && 'webhook', ctx.config.alerts.smtp_url && 'mail'].filter((c): c is string => Boolean(c)) },
    backups: {
      dir: ctx.config.backup.dir,
      schedule: ctx.config.backup.schedule,
      keep: ctx.config.backup.keep,
      next: ctx.backupSchedule.nextAt(),
      last: ctx.backupSchedule.last(),
      kept: ctx.backupSchedule.list(),
    },
    sftpSessions: ctx.sftpSessions.list(),
    webSessions: ctx.auth.sessions.count(),
    disk: ctx.status.diskUse(),
    sftp: {
      // NB: a wildcard listen address is no use to a client; the name this page was reached by is.
      host: wildcard ? requestHost : listen.host,
      port: listen.port,
      accounts: ctx.accounts.sftp.map((a) => ({ username: a.username, password: Boolean(a.password_hash), keys: a.authorized_keys.length })),
      hostKeys: ctx.hostKeys.map((k) => ({
        fingerprint: k.fingerprint,
        publicKey: k.publicKey,
        winscp: k.publicKey.startsWith('ssh-ed25519 ') ? `ssh-ed25519 255 ${k.fingerprint.replace(/^SHA256:/, '')}` : k.fingerprint,
      })),
    },
  };
}

function describeRange(from: string | undefined, to: string | undefined): string {
  if (!from?.trim() && !to?.trim()) return 'every date';
  return `${from?.trim() || 'the start'} to ${to?.trim() || 'today'}`;
}

/** NB: a web stream carries bytes, not strings. */
function* utf8(parts: Iterable<string>): Generator<Buffer> {
  for (const part of parts) yield Buffer.from(part);
}
