import type { FC } from 'hono/jsx';
import type { SignedIn } from '../../../domain/auth/auth.ts';
import { INCIDENT_TYPES, type IncidentDetail, type IncidentListRow } from '../../../domain/incidents/incidents.ts';
import { formatTime } from '../format.ts';
import { CsrfField, Layout } from '../layout.tsx';
import { deviceHref, FeatureAssets, IncidentBadge, INCIDENT_TYPE_LABELS, joined, PersonCard, PersonLink, StatusBadge } from './common.tsx';
import { Notice } from '../notice.tsx';
import { ScrollTable } from '../table.tsx';
import { BackLink } from '../back-link.tsx';
import { Field } from '../field.tsx';

export type IncidentFilter = 'open' | 'closed' | 'all';

export const IncidentListPage: FC<{ user: SignedIn; incidents: IncidentListRow[]; filter: IncidentFilter }> = ({ user, incidents, filter }) => (
  <Layout title="Incidents" user={user} path="/incidents">
    <FeatureAssets />
    <h1>Incidents</h1>
    <div class="actions toolbar">
      <ul class="modes">
        {(['open', 'closed', 'all'] as const).map((f) => (
          <li>
            <a href={`/incidents?status=${f}`} aria-current={f === filter ? 'page' : undefined}>
              {f === 'open' ? 'Open' : f === 'closed' ? 'Closed' : 'All'}
            </a>
          </li>
        ))}
      </ul>
      <a class="btn" href="/incidents/new">
        Report an incident
      </a>
    </div>
    <IncidentTable incidents={incidents} empty={filter === 'open' ? 'No open incidents.' : 'No incidents.'} />
  </Layout>
);

/** A table of incidents; also shown on the user profile. */
export const IncidentTable: FC<{ incidents: IncidentListRow[]; empty: string; showUser?: boolean }> = ({ incidents, empty, showUser = true }) =>
  incidents.length === 0 ? (
    <p class="muted">{empty}</p>
  ) : (
    <ScrollTable columns={['#', 'Date', 'Type', 'Device', showUser && 'User', 'Status']}>
      {incidents.map((i) => (
        <tr>
          <td>
            <a href={`/incidents/${i.id}`}>#{i.id}</a>
          </td>
          <td>{i.occurred_on}</td>
          <td>
            <a href={`/incidents/${i.id}`}>{INCIDENT_TYPE_LABELS[i.type]}</a>
          </td>
          <td>
            <a class="mono" href={deviceHref(i.asset_tag)}>
              {i.asset_tag}
            </a>{' '}
            <span class="muted small">{i.model}</span>
          </td>
          {showUser && (
            <td>
              <PersonLink localId={i.local_id} person={joined(i.first_name, i.last_name)} />
            </td>
          )}
          <td>
            <IncidentBadge incident={i} />
          </td>
        </tr>
      ))}
    </ScrollTable>
  );

export interface IncidentFormValues {
  device: string;
  user: string;
  type: string;
  description: string;
  occurred_on: string;
}

export const NewIncidentPage: FC<{ user: SignedIn; values: IncidentFormValues; error?: string | undefined }> = ({ user, values, error }) => (
  <Layout title="Report an incident" user={user} path="/incidents">
    <FeatureAssets />
    <BackLink href="/incidents" text="Incidents" />
    <section class="panel">
      <h1>Report an incident</h1>
      {error && (
        <p class="alert error" role="alert">
          {error} Nothing was recorded.
        </p>
      )}
      <form method="post" action="/incidents">
        <CsrfField user={user} />
        <div class="form-grid">
          <Field id="device" label="Device (asset tag or serial)">
            <input type="text" id="device" name="device" value={values.device} required autocomplete="off" autofocus={!values.device} />
          </Field>
          <Field id="user" label="User (Local ID, card or email)">
            <input type="text" id="user" name="user" value={values.user} required autocomplete="off" autofocus={!!values.device && !values.user} />
          </Field>
          <Field id="type" label="Type">
            <select id="type" name="type" required autofocus={!!values.device && !!values.user}>
              <option value="">Choose…</option>
              {INCIDENT_TYPES.map((t) => (
                <option value={t} selected={t === values.type}>
                  {INCIDENT_TYPE_LABELS[t]}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <div class="field spaced">
          <label for="description">What happened</label>
          <textarea id="description" name="description" required maxlength={4000}>
            {values.description}
          </textarea>
        </div>
        <Field id="occurred_on" label="Date">
          <input type="date" id="occurred_on" name="occurred_on" value={values.occurred_on} required />
        </Field>
        <button type="submit" class="btn">
          Record incident
        </button>
      </form>
    </section>
  </Layout>
);

export const IncidentPage: FC<{ user: SignedIn; detail: IncidentDetail; notice?: string | undefined; error?: string | undefined }> = ({ user, detail, notice, error }) => {
  const { incident, device, person } = detail;
  return (
    <Layout title={`Incident #${incident.id}`} user={user} path="/incidents">
      <FeatureAssets />
      <BackLink href="/incidents" text="Incidents" />
      <Notice text={notice} />
      {error && (
        <p class="alert error" role="alert">
          {error}
        </p>
      )}
      <div class="two-col">
        <section class="panel">
          <h1>
            Incident #{incident.id}: {INCIDENT_TYPE_LABELS[incident.type]} <IncidentBadge incident={incident} />
          </h1>
          <dl class="facts">
            <dt>Date</dt>
            <dd>{incident.occurred_on}</dd>
            <dt>Device</dt>
            <dd>
              <a class="mono" href={deviceHref(incident.asset_tag)}>
                {incident.asset_tag}
              </a>{' '}
              {device && (
                <>
                  {device.model} <StatusBadge status={device.status} />
                </>
              )}
            </dd>
            <dt>Reported</dt>
            <dd>
              {formatTime(incident.created_at)} by {incident.created_by}
            </dd>
            {incident.status === 'closed' && (
              <>
                <dt>Closed</dt>
                <dd>
                  {formatTime(incident.closed_at)} by {incident.closed_by}
                </dd>
                <dt>Resolution</dt>
                <dd class="description">{incident.resolution || '—'}</dd>
              </>
            )}
          </dl>
          <h2>What happened</h2>
          <p class="description">{incident.description}</p>
        </section>
        <section class="panel" aria-labelledby="who">
          <h2 id="who">User</h2>
          <PersonCard localId={incident.local_id} person={person} />
        </section>
      </div>
      {incident.status === 'open' && user.role === 'admin' && (
        <section class="panel" aria-labelledby="close">
          <h2 id="close">Close this incident</h2>
          <form method="post" action={`/incidents/${incident.id}/close`}>
            <CsrfField user={user} />
            <Field id="resolution" label="Resolution">
              <textarea id="resolution" name="resolution" maxlength={4000}></textarea>
            </Field>
            <button type="submit" class="btn">
              Close incident
            </button>
          </form>
        </section>
      )}
    </Layout>
  );
};
