import type { SignedIn } from '../../domain/auth/auth.ts';
import type { AuditEntry } from '../../domain/audit/audit.ts';
import { Layout } from './layout.tsx';
import { formatTime } from './format.ts';
import { ScrollTable } from './table.tsx';
import { Field } from './field.tsx';

const ACTIONS: Record<string, string> = {
  'profile.view': 'Viewed profile',
  'photo.view': 'Viewed photo',
  'user.api_view': 'Read record (API)',
  signin: 'Signed in',
  'signin.refused': 'Sign-in refused',
  'signin.revoked': 'Directory ended sessions',
  signout: 'Signed out',
  'staff.block': 'Blocked a person',
  'staff.unblock': 'Unblocked a person',
  'admin.action': 'Admin action',
  'staff.action': 'Change by staff',
  backup: 'Backup of every record',
  'token.create': 'Token created',
  'token.revoke': 'Token revoked',
  'token.use': 'Read by integration token',
  export: 'Photos exported',
  'audit.export': 'Audit log exported',
  'photo.purge': 'Photos purged (retention)',
};

export function AuditTable({ entries, showPerson = true }: { entries: (AuditEntry & { id: number })[]; showPerson?: boolean }) {
  if (!entries.length) return <p class="muted">Nothing recorded yet.</p>;
  return (
    <ScrollTable columns={['When', 'Who', 'What', showPerson && 'Person', 'Detail', 'From']}>
      {entries.map((e) => (
        <tr>
          <td>{formatTime(e.at)}</td>
          <td>
            <a href={`/admin/audit?actor=${encodeURIComponent(e.actor)}`}>{e.actor}</a>
          </td>
          <td>{ACTIONS[e.action] ?? e.action}</td>
          {showPerson && <td>{e.local_id ? <a href={`/admin/audit?local_id=${encodeURIComponent(e.local_id)}`}>{e.local_id}</a> : '—'}</td>}
          <td>{e.detail}</td>
          <td class="mono">{e.ip}</td>
        </tr>
      ))}
    </ScrollTable>
  );
}

export interface AuditPageProps {
  user: SignedIn;
  path: string;
  filter: { localId?: string | undefined; actor?: string | undefined };
  /** Display name of the person filtered on, when known. */
  personName?: string | undefined;
  entries: (AuditEntry & { id: number })[];
  nextBeforeId?: number | undefined;
}

export function AuditPage({ user, path, filter, personName, entries, nextBeforeId }: AuditPageProps) {
  const title = filter.localId ? `Audit log: ${personName ?? filter.localId}` : filter.actor ? `Audit log: ${filter.actor}` : 'Audit log';
  const more = new URLSearchParams();
  if (filter.localId) more.set('local_id', filter.localId);
  if (filter.actor) more.set('actor', filter.actor);
  if (nextBeforeId) more.set('before', String(nextBeforeId));
  return (
    <Layout title={title} user={user} path={path}>
      <h1>{title}</h1>
      <p class="muted">Every view of a profile or photo, with who and when, plus sign-ins and admin actions. Repeated views of the same thing by the same person within a minute are recorded once.</p>
      <form class="panel filters" method="get" action="/admin/audit">
        <Field id="local_id" label="Local ID">
          <input type="text" id="local_id" name="local_id" value={filter.localId ?? ''} />
        </Field>
        <Field id="actor" label="Staff account">
          <input type="text" id="actor" name="actor" value={filter.actor ?? ''} />
        </Field>
        <button type="submit" class="btn">
          Show
        </button>
        {(filter.localId || filter.actor) && (
          <a href="/admin/audit" class="btn secondary">
            Everything
          </a>
        )}
      </form>
      <form class="panel filters" method="get" action="/admin/audit/export.csv">
        <Field id="export_local_id" label="Local ID">
          <input type="text" id="export_local_id" name="local_id" value={filter.localId ?? ''} />
        </Field>
        <Field id="export_from" label="From">
          <input type="date" id="export_from" name="from" />
        </Field>
        <Field id="export_to" label="To">
          <input type="date" id="export_to" name="to" />
        </Field>
        <button type="submit" class="btn secondary">
          Download CSV
        </button>
      </form>
      <AuditTable entries={entries} />
      {nextBeforeId && (
        <p>
          <a href={`/admin/audit?${more}`}>Older entries</a>
        </p>
      )}
    </Layout>
  );
}
