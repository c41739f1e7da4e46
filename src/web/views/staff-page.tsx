import type { SignedIn } from '../../domain/auth/auth.ts';
import type { StaffRow } from '../../storage/staff-store.ts';
import { formatTime } from './format.ts';
import { Layout } from './layout.tsx';
import { Notice } from './notice.tsx';
import { ScrollTable } from './table.tsx';

const METHODS: Record<StaffRow['method'], string> = { local: 'Local account', oidc: 'Single sign-on (OIDC)', ldap: 'Directory (LDAP)' };

export interface StaffPageProps {
  user: SignedIn;
  path: string;
  staff: StaffRow[];
  notice?: string | undefined;
}

/** `/admin/staff`: everyone who has signed in, how, with which role, and a block switch each. */
export function StaffPage({ user, path, staff, notice }: StaffPageProps) {
  return (
    <Layout title="Staff" user={user} path={path}>
      <h1>Staff</h1>
      <p class="muted">
        Everyone who has signed in to this appliance. Roles of directory accounts come from the directory's groups at each sign-in and every few minutes after.
        Blocking someone ends their sessions now and refuses them here whatever the directory says; it is recorded in the audit log.
      </p>
      <Notice text={notice} />
      {staff.length === 0 ? (
        <p class="muted">No one has signed in yet.</p>
      ) : (
        <ScrollTable columns={['Who', 'How', 'Role', 'Last sign-in', 'Access']}>
          {staff.map((s) => (
            <tr data-staff={s.identity}>
              <td>
                <a href={`/admin/audit?actor=${encodeURIComponent(s.identity)}`}>{s.identity}</a>
                {s.name && s.name !== s.identity && <div class="muted">{s.name}</div>}
              </td>
              <td>{METHODS[s.method]}</td>
              <td>{s.role}</td>
              <td>{formatTime(s.last_signin_at)}</td>
              <td>
                <form method="post" action={`/admin/staff/${s.id}/${s.blocked_at ? 'unblock' : 'block'}`}>
                  <input type="hidden" name="_csrf" value={user.csrfToken} />
                  {s.blocked_at && <span class="muted">{`Blocked ${formatTime(s.blocked_at)} by ${s.blocked_by}. `}</span>}
                  <button type="submit" class={s.blocked_at ? 'btn secondary' : 'btn danger'} aria-label={`${s.blocked_at ? 'Unblock' : 'Block'} ${s.identity}`}>
                    {s.blocked_at ? 'Unblock' : 'Block'}
                  </button>
                </form>
              </td>
            </tr>
          ))}
        </ScrollTable>
      )}
    </Layout>
  );
}
