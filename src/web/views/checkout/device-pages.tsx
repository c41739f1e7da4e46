import type { FC } from 'hono/jsx';
import type { SignedIn } from '../../../domain/auth/auth.ts';
import type { DeviceListRow, DeviceProfile, DeviceStatus } from '../../../domain/devices/devices.ts';
import { DEVICE_STATUSES, STATUS_LABELS } from '../../../domain/devices/rules.ts';
import { formatTime } from '../format.ts';
import { CsrfField, Layout } from '../layout.tsx';
import { capitalise, deviceHref, FeatureAssets, IncidentBadge, INCIDENT_TYPE_LABELS, joined, PersonCard, PersonLink, StatusBadge } from './common.tsx';
import { Notice } from '../notice.tsx';
import { ScrollTable } from '../table.tsx';
import { BackLink } from '../back-link.tsx';
import { Field } from '../field.tsx';

/** Values of the add/edit form, echoed back with the error when it is refused. */
export interface DeviceFormValues {
  asset_tag: string;
  serial_number: string;
  model: string;
  building: string;
  status: DeviceStatus;
}

/** Rows the device list shows at most (the domain's default page). */
export const LIST_LIMIT = 200;

export interface DeviceListProps {
  user: SignedIn;
  devices: DeviceListRow[];
  q: string;
  status: DeviceStatus | undefined;
  form?: { values: DeviceFormValues; error?: string | undefined } | undefined;
}

export const DeviceListPage: FC<DeviceListProps> = ({ user, devices, q, status, form }) => (
  <Layout title="Devices" user={user} path="/devices">
    <FeatureAssets />
    <h1>Devices</h1>
    <form method="get" action="/devices" class="filters" role="search">
      <Field id="q" label="Asset tag, serial or model">
        <input type="search" id="q" name="q" value={q} />
      </Field>
      <Field id="status" label="Status">
        <select id="status" name="status">
          <option value="">Any</option>
          {DEVICE_STATUSES.map((s) => (
            <option value={s} selected={s === status}>
              {capitalise(STATUS_LABELS[s])}
            </option>
          ))}
        </select>
      </Field>
      <button type="submit" class="btn secondary">
        Filter
      </button>
    </form>
    {devices.length >= LIST_LIMIT && (
      <p class="muted small">Showing the first {LIST_LIMIT}; search to narrow the list.</p>
    )}
    {devices.length === 0 ? (
      <p class="muted">No devices{q || status ? ' match' : ' yet: an admin adds them here or with devices.csv over SFTP'}.</p>
    ) : (
      <ScrollTable columns={['Asset tag', 'Model', 'Serial number', 'Building', 'Status', 'Checked out to']}>
        {devices.map((d) => (
          <tr>
            <td>
              <a class="mono" href={deviceHref(d.asset_tag)}>
                {d.asset_tag}
              </a>
            </td>
            <td>{d.model}</td>
            <td class="mono">{d.serial_number}</td>
            <td>{d.building}</td>
            <td>
              <StatusBadge status={d.status} />
            </td>
            <td>{d.local_id ? <PersonLink localId={d.local_id} person={joined(d.holder_first_name, d.holder_last_name)} /> : '—'}</td>
          </tr>
        ))}
      </ScrollTable>
    )}
    {user.role === 'admin' && (
      <section class="panel" aria-labelledby="add-device">
        <h2 id="add-device">Add a device</h2>
        <DeviceForm user={user} action="/devices" values={form?.values ?? emptyValues()} error={form?.error} isNew />
      </section>
    )}
  </Layout>
);

export interface DeviceProfileProps {
  user: SignedIn;
  profile: DeviceProfile;
  notice?: string | undefined;
  form?: { values: DeviceFormValues; error?: string | undefined } | undefined;
}

export const DeviceProfilePage: FC<DeviceProfileProps> = ({ user, profile, notice, form }) => {
  const { device, holder, loans, incidents, actions } = profile;
  const report = `/incidents/new?device=${encodeURIComponent(device.asset_tag)}${device.local_id ? `&user=${encodeURIComponent(device.local_id)}` : ''}`;
  return (
    <Layout title={`Device ${device.asset_tag}`} user={user} path="/devices">
      <FeatureAssets />
      <BackLink href="/devices" text="All devices" />
      <Notice text={notice} />
      <div class="two-col">
        <section class="panel">
          <h1>
            Device <span class="mono">{device.asset_tag}</span>
          </h1>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <StatusBadge status={device.status} />
            </dd>
            <dt>Model</dt>
            <dd>{device.model || '—'}</dd>
            <dt>Serial number</dt>
            <dd class="mono">{device.serial_number || '—'}</dd>
            <dt>Building</dt>
            <dd>{device.building || '—'}</dd>
            <dt>Last change</dt>
            <dd class="muted">
              {/* NB: its latest action (newest first), not the file that created it: a check-out after an import is the last change. */}
              {actions[0] ? `${formatTime(actions[0].at)}: ${ACTION_LABELS[actions[0].action] ?? actions[0].action} by ${actions[0].actor}` : `${formatTime(device.updated_at)}${device.source ? ` (${device.source})` : ''}`}
            </dd>
          </dl>
          <p class="actions">
            <a class="btn secondary small" href={`/checkout?mode=${device.status === 'checked_out' ? 'in' : 'out'}&device=${encodeURIComponent(device.asset_tag)}`}>
              {device.status === 'checked_out' ? 'Check in' : 'Check out'}
            </a>
            <a class="btn secondary small" href={report}>
              Report an incident
            </a>
          </p>
        </section>
        <section class="panel" aria-labelledby="holder">
          <h2 id="holder">Checked out to</h2>
          {device.local_id ? (
            <>
              <PersonCard localId={device.local_id} person={holder} />
              {loans[0] && !loans[0].checked_in_at && (
                <p class="muted small">
                  Since {formatTime(loans[0].checked_out_at)} by {loans[0].checked_out_by}
                </p>
              )}
            </>
          ) : (
            <p class="muted">Nobody: the device is {STATUS_LABELS[device.status]}.</p>
          )}
        </section>
      </div>

      <section class="panel" aria-labelledby="history">
        <h2 id="history">Check-out history</h2>
        {loans.length === 0 ? (
          <p class="muted">Never checked out.</p>
        ) : (
          <ScrollTable columns={['User', 'Checked out', 'By', 'Checked in', 'By']}>
            {loans.map((l) => (
              <tr>
                <td>
                  <PersonLink localId={l.local_id} person={l.person} />
                </td>
                <td>{formatTime(l.checked_out_at)}</td>
                <td>{l.checked_out_by}</td>
                <td>{l.checked_in_at ? formatTime(l.checked_in_at) : <span class="badge warn">Still out</span>}</td>
                <td>{l.checked_in_by ?? ''}</td>
              </tr>
            ))}
          </ScrollTable>
        )}
      </section>

      <section class="panel" aria-labelledby="incidents">
        <h2 id="incidents">Incidents</h2>
        {incidents.length === 0 ? (
          <p class="muted">None recorded.</p>
        ) : (
          <ul>
            {incidents.map((i) => (
              <li>
                <a href={`/incidents/${i.id}`}>
                  #{i.id} {INCIDENT_TYPE_LABELS[i.type]} on {i.occurred_on}
                </a>{' '}
                <IncidentBadge incident={i} /> <PersonLink localId={i.local_id} person={joined(i.first_name, i.last_name)} />
              </li>
            ))}
          </ul>
        )}
      </section>

      {user.role === 'admin' && (
        <section class="panel" aria-labelledby="edit-device">
          <h2 id="edit-device">Edit device</h2>
          <DeviceForm
            user={user}
            action={deviceHref(device.asset_tag)}
            values={form?.values ?? { ...device }}
            error={form?.error}
            checkedOut={device.status === 'checked_out'}
          />
        </section>
      )}

      <section class="panel" aria-labelledby="log">
        <h2 id="log">Action log</h2>
        <ScrollTable columns={['When', 'Who', 'What', 'Details']}>
          {actions.map((a) => (
            <tr>
              <td>{formatTime(a.at)}</td>
              <td>{a.actor}</td>
              <td>{ACTION_LABELS[a.action] ?? a.action}</td>
              <td class="small">
                {a.local_id && <span class="mono">{a.local_id} </span>}
                {a.incident_id !== null && <a href={`/incidents/${a.incident_id}`}>incident #{a.incident_id} </a>}
                {a.detail}
              </td>
            </tr>
          ))}
        </ScrollTable>
      </section>
    </Layout>
  );
};

const ACTION_LABELS: Record<string, string> = {
  'device.create': 'Added',
  'device.update': 'Edited',
  'device.check_out': 'Checked out',
  'device.check_in': 'Checked in',
  'incident.create': 'Incident reported',
  'incident.close': 'Incident closed',
};

const DeviceForm: FC<{
  user: SignedIn;
  action: string;
  values: DeviceFormValues;
  error?: string | undefined;
  isNew?: boolean;
  checkedOut?: boolean;
}> = ({ user, action, values, error, isNew, checkedOut }) => {
  const id = (name: string) => `${isNew ? 'new' : 'edit'}-${name}`;
  return (
    <form method="post" action={action}>
      <CsrfField user={user} />
      {error && (
        <p class="alert error" role="alert">
          {error} Nothing was saved.
        </p>
      )}
      <div class="form-grid">
        {isNew && (
          <Field id={id('asset_tag')} label="Asset tag">
            <input type="text" id={id('asset_tag')} name="asset_tag" value={values.asset_tag} required autocomplete="off" />
          </Field>
        )}
        <Field id={id('serial')} label="Serial number">
          <input type="text" id={id('serial')} name="serial_number" value={values.serial_number} autocomplete="off" />
        </Field>
        <Field id={id('model')} label="Model">
          <input type="text" id={id('model')} name="model" value={values.model} />
        </Field>
        <Field id={id('building')} label="Building">
          <input type="text" id={id('building')} name="building" value={values.building} />
        </Field>
        <Field id={id('status')} label="Status">
          {checkedOut ? (
            <>
              <input type="hidden" name="status" value="checked_out" />
              <select id={id('status')} disabled>
                <option>Checked out (check it in to change)</option>
              </select>
            </>
          ) : (
            <select id={id('status')} name="status">
              {DEVICE_STATUSES.filter((s) => s !== 'checked_out').map((s) => (
                <option value={s} selected={s === values.status}>
                  {capitalise(STATUS_LABELS[s])}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div class="field">
          <button type="submit" class="btn">
            {isNew ? 'Add device' : 'Save changes'}
          </button>
        </div>
      </div>
    </form>
  );
};

function emptyValues(): DeviceFormValues {
  return { asset_tag: '', serial_number: '', model: '', building: '', status: 'available' };
}
