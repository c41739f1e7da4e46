import { AppError } from '../../shared/errors.ts';
import type { IncidentListRow, IncidentRow, IncidentType } from '../../storage/incident-store.ts';
import type { DeviceRow } from '../../storage/device-store.ts';
import { recordAction, type Actor } from '../devices/actions.ts';
import { findPerson, type PersonRow } from '../devices/people.ts';
import { cleanScan } from '../devices/scan.ts';
import { DeviceService, type DeviceStores } from '../devices/devices.ts';

export type { IncidentRow, IncidentListRow, IncidentType };

export const INCIDENT_TYPES: readonly IncidentType[] = ['damage', 'loss', 'theft', 'other'];
export const MAX_DESCRIPTION = 4000;

export interface IncidentInput {
  /** Asset tag or serial number, as typed or scanned. */
  device: string;
  /** Local ID, card barcode or email, as typed or scanned. */
  user: string;
  type: string;
  description: string;
  /** YYYY-MM-DD. */
  occurred_on: string;
}

export interface IncidentDetail {
  incident: IncidentRow;
  device: DeviceRow | undefined;
  person: PersonRow | undefined;
}

/** Incidents (damage, loss, theft, other) against a device and the user who had it. */
export class IncidentService {
  private readonly devices: DeviceService;

  constructor(private readonly storage: DeviceStores) {
    this.devices = new DeviceService(storage);
  }

  /** Staff and admins record an incident; every problem with the form is reported at once. */
  create(input: IncidentInput, actor: Actor): IncidentRow {
    const problems: string[] = [];
    const attempt = <T>(fn: () => T): T | undefined => {
      try {
        return fn();
      } catch (err) {
        if (err instanceof AppError) problems.push(err.message);
        else throw err;
        return undefined;
      }
    };
    const device = attempt(() => this.devices.find(input.device));
    // An incident may concern someone who has since left: inactive users are accepted.
    const person = attempt(() => findPerson(this.storage.users, input.user));
    const type = input.type as IncidentType;
    if (!INCIDENT_TYPES.includes(type)) problems.push(`Choose the type: ${INCIDENT_TYPES.join(', ')}.`);
    const description = input.description.trim();
    if (description === '') problems.push('Describe what happened.');
    if (description.length > MAX_DESCRIPTION) problems.push(`The description is longer than ${MAX_DESCRIPTION} characters.`);
    const dateProblem = checkDate(cleanScan(input.occurred_on));
    if (dateProblem) problems.push(dateProblem);
    if (problems.length || !device || !person) throw new AppError('invalid', problems.join(' '));

    return this.storage.tx(() => {
      const at = new Date().toISOString();
      const id = this.storage.incidents.insertIncident({
        asset_tag: device.asset_tag,
        local_id: person.local_id,
        type,
        description,
        occurred_on: cleanScan(input.occurred_on),
        created_at: at,
        created_by: actor.username,
      });
      recordAction(this.storage.deviceActions, actor, 'incident.create', at, {
        asset_tag: device.asset_tag,
        local_id: person.local_id,
        incident_id: id,
        detail: type,
      });
      return this.storage.incidents.getIncident(id)!;
    });
  }

  /** Admins close an incident, with a note on how it was resolved. */
  close(id: number, resolution: string, actor: Actor): IncidentRow {
    if (actor.role !== 'admin') throw new AppError('forbidden', 'Only an admin can close an incident.');
    const note = resolution.trim();
    if (note.length > MAX_DESCRIPTION) throw new AppError('invalid', `The resolution is longer than ${MAX_DESCRIPTION} characters.`);
    return this.storage.tx(() => {
      const incident = this.get(id);
      if (incident.status === 'closed') throw new AppError('conflict', `Incident ${id} is already closed.`);
      const at = new Date().toISOString();
      this.storage.incidents.closeIncidentRow(id, actor.username, note, at);
      recordAction(this.storage.deviceActions, actor, 'incident.close', at, {
        asset_tag: incident.asset_tag,
        local_id: incident.local_id,
        incident_id: id,
        detail: note.slice(0, 200),
      });
      return this.get(id);
    });
  }

  get(id: number): IncidentRow {
    const incident = Number.isSafeInteger(id) ? this.storage.incidents.getIncident(id) : undefined;
    if (!incident) throw new AppError('not_found', `There is no incident ${id}.`);
    return incident;
  }

  detail(id: number): IncidentDetail {
    const incident = this.get(id);
    return {
      incident,
      device: this.storage.devices.getDevice(incident.asset_tag),
      person: this.storage.users.byLocalId(incident.local_id),
    };
  }

  list(opts: { status?: 'open' | 'closed'; limit?: number } = {}): IncidentListRow[] {
    return this.storage.incidents.listIncidents({ status: opts.status, limit: opts.limit ?? 200 });
  }
}

function checkDate(value: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return 'Give the date as YYYY-MM-DD.';
  const d = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) return `${value} is not a date.`;
  // A day of slack: the desk's local date may be ahead of UTC.
  if (d.getTime() > Date.now() + 24 * 3600_000) return `${value} is in the future.`;
  if (Number(m[1]) < 2000) return `${value} is too far in the past.`;
  return undefined;
}
