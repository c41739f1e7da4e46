import type { FC } from 'hono/jsx';
import type { DeviceStatus } from '../../../domain/devices/devices.ts';
import type { PersonRow } from '../../../domain/devices/people.ts';
import { STATUS_LABELS } from '../../../domain/devices/rules.ts';
import type { IncidentRow } from '../../../domain/incidents/incidents.ts';
import { assetUrl } from '../../assets/registry.ts';
import { photoUrl } from '../search-page.tsx';
import { display } from '../display.ts';

/**
 * The check-out pages' own stylesheet (and, with `script`, the check-out script). The layout's
 * head is shared by every page, so these sit at the top of the page body, where HTML allows them.
 */
export const FeatureAssets: FC<{ script?: boolean }> = ({ script }) => (
  <>
    <link rel="stylesheet" href={assetUrl('checkout.css')} />
    {script && <script src={assetUrl('checkout.js')} defer></script>}
  </>
);

const STATUS_BADGE: Record<DeviceStatus, string> = {
  available: 'on',
  checked_out: 'warn',
  in_repair: 'bad',
  retired: 'off',
};

export const StatusBadge: FC<{ status: DeviceStatus }> = ({ status }) => (
  <span class={`badge ${STATUS_BADGE[status]}`}>{capitalise(STATUS_LABELS[status])}</span>
);

export const IncidentBadge: FC<{ incident: Pick<IncidentRow, 'status'> }> = ({ incident }) =>
  incident.status === 'open' ? <span class="badge warn">Open</span> : <span class="badge off">Closed</span>;

export function personName(p: Pick<PersonRow, 'first_name' | 'last_name'>): string {
  return `${p.first_name} ${p.last_name}`.trim();
}

/** The name columns of a LEFT JOIN on users: a person, or undefined when the roster has no such user. */
export function joined(first: string | null, last: string | null): { first_name: string; last_name: string } | undefined {
  return first === null ? undefined : { first_name: first, last_name: last ?? '' };
}

export function userHref(localId: string): string {
  return `/users/${encodeURIComponent(localId)}`;
}

export function deviceHref(assetTag: string): string {
  return `/devices/${encodeURIComponent(assetTag)}`;
}

/** A user by name with a link to the profile, or the bare Local ID when the roster no longer has them. */
export const PersonLink: FC<{ localId: string; person?: Pick<PersonRow, 'first_name' | 'last_name'> | null | undefined }> = ({ localId, person }) =>
  person ? (
    <a href={userHref(localId)}>
      {personName(person)} <span class="muted mono">{localId}</span>
    </a>
  ) : (
    <span class="mono">{localId}</span>
  );

/** A person with a photo: the holder of a device, the user of an incident. */
export const PersonCard: FC<{ localId: string; person: PersonRow | undefined }> = ({ localId, person }) => (
  <div class="holder">
    {person && <img src={photoUrl(localId, 'profile')} alt={personName(person)} width={96} height={128} />}
    <div>
      {person ? (
        <a class="name" href={userHref(localId)}>
          {personName(person)}
        </a>
      ) : (
        <span class="name">Not in the roster</span>
      )}
      <span class="muted">
        <span class="mono">{localId}</span>
        {person?.grade && ` · Grade ${display().names.grade(person.grade)}`}
        {person?.building && ` · ${display().names.building(person.building)}`}
      </span>
      {person && !person.active && <span class="badge off">Inactive</span>}
    </div>
  </div>
);

export const INCIDENT_TYPE_LABELS: Record<IncidentRow['type'], string> = {
  damage: 'Damage',
  loss: 'Loss',
  theft: 'Theft',
  other: 'Other',
};

export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
