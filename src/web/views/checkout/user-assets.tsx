import type { FC } from 'hono/jsx';
import type { DeviceService } from '../../../domain/devices/devices.ts';
import { formatTime } from '../format.ts';
import { deviceHref, StatusBadge } from './common.tsx';
import { IncidentTable } from './incident-pages.tsx';
import { ScrollTable } from '../table.tsx';

/**
 * The user profile's devices and incidents: what the person has now, what they had, and the
 * incidents recorded against them. The profile page includes it; it reads through the domain.
 */
export const UserDevicesSection: FC<{ devices: DeviceService; localId: string }> = ({ devices, localId }) => {
  const { loans, incidents } = devices.ofPerson(localId);
  const report = `/incidents/new?user=${encodeURIComponent(localId)}`;
  return (
    <section class="panel" aria-labelledby="user-devices">
      <h2 id="user-devices">Devices</h2>
      {loans.length === 0 ? (
        <p class="muted">No device has been checked out to this person.</p>
      ) : (
        <ScrollTable columns={['Asset tag', 'Model', 'Checked out', 'Checked in']}>
          {loans.map((l) => (
            <tr>
              <td>
                <a class="mono" href={deviceHref(l.asset_tag)}>
                  {l.asset_tag}
                </a>
              </td>
              <td>{l.model}</td>
              <td>
                {formatTime(l.checked_out_at)} <span class="muted small">by {l.checked_out_by}</span>
              </td>
              <td>{l.checked_in_at ? formatTime(l.checked_in_at) : <StatusBadge status="checked_out" />}</td>
            </tr>
          ))}
        </ScrollTable>
      )}
      <h2 id="user-incidents">Incidents</h2>
      <IncidentTable incidents={incidents} empty="No incidents recorded." showUser={false} />
      <p class="small">
        <a href={report}>Report an incident for this person</a>
      </p>
    </section>
  );
};
