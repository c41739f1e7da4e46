import type { Child } from 'hono/jsx';
import type { SignedIn } from '../../domain/auth/auth.ts';
import type { AuditEntry } from '../../domain/audit/audit.ts';
import type { UserRecord } from '../../domain/users/users.ts';
import { displayName } from '../../domain/users/users.ts';
import { Layout } from './layout.tsx';
import { photoUrl } from './search-page.tsx';
import { AuditTable } from './audit-page.tsx';
import { formatTime } from './format.ts';
import { WithheldBadge } from './withheld.tsx';
import { display } from './display.ts';
import { Notice } from './notice.tsx';
import { BackLink } from './back-link.tsx';

export interface ProfilePageProps {
  viewer: SignedIn;
  path: string;
  person: UserRecord;
  /** Admin-only parts (photo history with restore), rendered by the photo feature. */
  adminPhotoSection?: Child;
  /** The person's devices and incidents, rendered by the check-out feature. */
  devicesSection?: Child;
  /** Admin only: the latest views of this person. */
  views?: (AuditEntry & { id: number })[] | undefined;
  notice?: string | undefined;
}

export function ProfilePage({ viewer, path, person, adminPhotoSection, devicesSection, views, notice }: ProfilePageProps) {
  const name = displayName(person);
  const facts: [string, Child][] = [
    ['Local ID', <span class="mono">{person.local_id}</span>],
    ['Role', person.role === 'student' ? 'Student' : 'Staff'],
    ['Grade', person.grade ? withCodeTitle(display().names.grade(person.grade), person.grade) : '—'],
    ['Building', person.building ? withCodeTitle(display().names.building(person.building), person.building) : '—'],
    ['Email', person.email ? <a href={`mailto:${person.email}`}>{person.email}</a> : '—'],
    ['User name', person.username || '—'],
  ];
  if (person.position) facts.push(['Position', person.position]);
  facts.push([
    'Status',
    person.active ? (
      <span class="badge on">Active</span>
    ) : (
      <span>
        <span class="badge off">Inactive</span>
        {person.deactivated_at && <span class="muted small"> since {formatTime(person.deactivated_at)}</span>}
      </span>
    ),
  ]);
  if (person.opt_out) facts.push(['Directory opt-out', <WithheldBadge optOut={person.opt_out} admin={viewer.role === 'admin'} />]);
  facts.push(['Roster updated', <span class="muted">{formatTime(person.updated_at)}</span>]);
  return (
    <Layout title={name} user={viewer} path={path}>
      <BackLink href="/" text="Back to search" />
      <Notice text={notice} />
      <article class="panel profile">
        <img
          class="portrait"
          src={photoUrl(person.local_id, 'profile')}
          srcset={`${photoUrl(person.local_id, 'profile')} 1x, ${photoUrl(person.local_id, 'full')} 2x`}
          alt={person.opt_out && viewer.role !== 'admin' ? `${name}: photo withheld` : name}
          width={240}
        />
        <div>
          <h1>{name}</h1>
          {person.opt_out ? (
            <p class="withheld-note">
              <WithheldBadge optOut={person.opt_out} admin={viewer.role === 'admin'} />
            </p>
          ) : null}
          <dl class="facts">
            {facts.map(([k, v]) => (
              <>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </>
            ))}
          </dl>
        </div>
      </article>
      {devicesSection}
      {viewer.role === 'admin' && adminPhotoSection}
      {viewer.role === 'admin' && views && (
        <section class="panel">
          <h2>Who viewed this person</h2>
          <AuditTable entries={views} showPerson={false} />
          <p class="small">
            <a href={`/admin/audit?local_id=${encodeURIComponent(person.local_id)}`}>Full audit log for {name}</a>
          </p>
        </section>
      )}
    </Layout>
  );
}

/** A name with the code it stands for beside it, so the SIS code stays visible to whoever searches by it. */
function withCodeTitle(name: string, code: string): Child {
  return name === code ? code : (
    <span>
      {name} <span class="muted mono">{code}</span>
    </span>
  );
}
