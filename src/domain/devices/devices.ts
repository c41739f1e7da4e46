import { AppError } from '../../shared/errors.ts';
import type { Db } from '../../storage/db.ts';
import {
  closeLoan,
  currentLoan,
  devicesHeldBy,
  getDevice,
  getDeviceBySerial,
  insertDevice,
  listDevices,
  loansOfDevice,
  loansOfUser,
  openLoan,
  setDeviceHolder,
  updateDevice,
  type DeviceFields,
  type DeviceListRow,
  type DeviceRow,
  type DeviceStatus,
  type LoanRow,
} from '../../storage/device-store.ts';
import { actionsOfDevice, type DeviceActionRow } from '../../storage/device-action-store.ts';
import { incidentsOfDevice, incidentsOfUser, type IncidentListRow } from '../../storage/incident-store.ts';
import { personByLocalId } from '../../storage/device-user-lookup.ts';
import { recordAction, type Actor } from './actions.ts';
import { findPerson, fullName, requireActivePerson, type PersonRow } from './people.ts';
import { assetTagProblem, DEVICE_STATUSES, fieldProblem, STATUS_LABELS } from './rules.ts';
import { cleanScan } from './scan.ts';

export type { DeviceRow, DeviceListRow, DeviceStatus, LoanRow, PersonRow, Actor };

export interface LoanWithPerson extends LoanRow {
  person: PersonRow | undefined;
}

export interface DeviceProfile {
  device: DeviceRow;
  holder: PersonRow | undefined;
  loans: LoanWithPerson[];
  incidents: IncidentListRow[];
  actions: DeviceActionRow[];
}

/** What an admin types in the add/edit form; status is never `checked_out` here (check-out does that). */
export interface DeviceInput {
  asset_tag: string;
  serial_number: string;
  model: string;
  building: string;
  status: DeviceStatus;
}

const now = (): string => new Date().toISOString();

/**
 * Devices and the check-out / check-in transactions. Every refusal is an AppError whose message
 * the person at the desk can act on, thrown before anything is written; every change is written
 * in one transaction together with its action-log entry.
 */
export class DeviceService {
  constructor(private readonly db: Db) {}

  /** The device typed or scanned: its asset tag (exact, leading zeros kept) or its serial number. */
  find(raw: string): DeviceRow {
    const scan = cleanScan(raw);
    if (scan === '') throw new AppError('invalid', 'Enter or scan an asset tag or serial number.');
    const device = getDevice(this.db, scan) ?? getDeviceBySerial(this.db, scan);
    if (!device) throw new AppError('not_found', `No device has the asset tag or serial number "${scan}".`);
    return device;
  }

  get(assetTag: string): DeviceRow {
    const device = getDevice(this.db, assetTag);
    if (!device) throw new AppError('not_found', `No device has the asset tag "${assetTag}".`);
    return device;
  }

  list(opts: { q?: string; status?: DeviceStatus; limit?: number } = {}): DeviceListRow[] {
    return listDevices(this.db, { q: opts.q?.trim() || undefined, status: opts.status, limit: opts.limit ?? 200 });
  }

  findPerson(raw: string): PersonRow {
    return findPerson(this.db, raw);
  }

  holder(device: DeviceRow): PersonRow | undefined {
    return device.local_id ? personByLocalId(this.db, device.local_id) : undefined;
  }

  /** Step 1 of check-out: the device exists and is free to go. */
  checkOutDevice(raw: string): DeviceRow {
    const device = this.find(raw);
    this.requireAvailable(device);
    return device;
  }

  /** Step 2 of check-out: the person exists and is active. */
  checkOutPerson(raw: string): PersonRow {
    return requireActivePerson(findPerson(this.db, raw));
  }

  /** Step 1 of check-in: the device exists and is out; returns who has it, to confirm by photo. */
  checkInDevice(raw: string): { device: DeviceRow; holder: PersonRow | undefined } {
    const device = this.find(raw);
    this.requireCheckedOut(device);
    return { device, holder: this.holder(device) };
  }

  /**
   * Hands `assetTag` to `localId` (both exact, as resolved by the steps above). Checked again
   * inside the transaction, so two desks confirming the same device cannot both succeed.
   */
  checkOut(assetTag: string, localId: string, actor: Actor): { device: DeviceRow; person: PersonRow; loanId: number } {
    return this.db.tx(() => {
      const device = this.get(assetTag);
      this.requireAvailable(device);
      const person = personByLocalId(this.db, localId);
      if (!person) throw new AppError('not_found', `No user has the Local ID "${localId}".`);
      requireActivePerson(person);
      const at = now();
      const loanId = openLoan(this.db, assetTag, localId, actor.username, at);
      setDeviceHolder(this.db, assetTag, 'checked_out', localId, at);
      recordAction(this.db, actor, 'device.check_out', at, { asset_tag: assetTag, local_id: localId });
      return { device: this.get(assetTag), person, loanId };
    });
  }

  /** Takes `assetTag` back. `expectedLocalId`, when given, must still be the holder (the one confirmed). */
  checkIn(assetTag: string, actor: Actor, expectedLocalId?: string): { device: DeviceRow; person: PersonRow | undefined } {
    return this.db.tx(() => {
      const device = this.get(assetTag);
      this.requireCheckedOut(device);
      if (expectedLocalId !== undefined && device.local_id !== expectedLocalId) {
        throw new AppError('conflict', `Device ${assetTag} is now checked out to ${device.local_id}, not ${expectedLocalId}: scan it again.`);
      }
      const person = this.holder(device);
      const at = now();
      closeLoan(this.db, assetTag, actor.username, at);
      setDeviceHolder(this.db, assetTag, 'available', null, at);
      recordAction(this.db, actor, 'device.check_in', at, { asset_tag: assetTag, local_id: device.local_id });
      return { device: this.get(assetTag), person };
    });
  }

  /** Adds a device (admins). */
  create(input: DeviceInput, actor: Actor): DeviceRow {
    const fields = this.validate(input);
    if (fields.status === 'checked_out') {
      throw new AppError('invalid', 'A new device cannot start checked out: add it, then check it out to someone.');
    }
    return this.db.tx(() => {
      if (getDevice(this.db, input.asset_tag)) {
        throw new AppError('conflict', `A device with asset tag ${input.asset_tag} already exists.`);
      }
      this.requireUniqueSerial(input.asset_tag, fields.serial_number);
      const at = now();
      insertDevice(this.db, input.asset_tag, fields, 'web', at);
      recordAction(this.db, actor, 'device.create', at, { asset_tag: input.asset_tag, detail: describe(fields) });
      return this.get(input.asset_tag);
    });
  }

  /** Edits a device's details or sets it in repair / retired / available (admins). Not while it is out. */
  update(assetTag: string, input: Omit<DeviceInput, 'asset_tag'>, actor: Actor): DeviceRow {
    const fields = this.validate({ ...input, asset_tag: assetTag });
    return this.db.tx(() => {
      const before = this.get(assetTag);
      if (before.status === 'checked_out') {
        // The holder stays; only the details may change while the device is out.
        if (input.status !== 'checked_out') {
          throw new AppError('conflict', `Device ${assetTag} is checked out to ${before.local_id}: check it in before changing its status.`);
        }
        fields.status = 'checked_out';
        fields.local_id = before.local_id;
      }
      this.requireUniqueSerial(assetTag, fields.serial_number);
      const at = now();
      updateDevice(this.db, assetTag, fields, 'web', at);
      recordAction(this.db, actor, 'device.update', at, { asset_tag: assetTag, detail: changes(before, fields) });
      return this.get(assetTag);
    });
  }

  profile(assetTag: string): DeviceProfile {
    const device = this.get(assetTag);
    const loans = loansOfDevice(this.db, assetTag, 100).map((l) => ({ ...l, person: personByLocalId(this.db, l.local_id) }));
    return {
      device,
      holder: this.holder(device),
      loans,
      incidents: incidentsOfDevice(this.db, assetTag, 50),
      actions: actionsOfDevice(this.db, assetTag, 50),
    };
  }

  /** Devices a user has now: check-out shows them, so a second laptop is a decision, not an accident. */
  heldBy(localId: string): DeviceRow[] {
    return devicesHeldBy(this.db, localId);
  }

  /** Devices a user has (or had) and their incidents, for the user profile. */
  ofPerson(localId: string): { loans: ReturnType<typeof loansOfUser>; incidents: IncidentListRow[] } {
    return { loans: loansOfUser(this.db, localId, 50), incidents: incidentsOfUser(this.db, localId, 50) };
  }

  private requireAvailable(device: DeviceRow): void {
    if (device.status === 'available') return;
    if (device.status === 'checked_out') {
      const holder = this.holder(device);
      const since = currentLoan(this.db, device.asset_tag)?.checked_out_at.slice(0, 10);
      const who = holder ? `${fullName(holder)} (${holder.local_id})` : device.local_id;
      throw new AppError('conflict', `Device ${device.asset_tag} is already checked out to ${who}${since ? ` since ${since}` : ''}: check it in first.`, {
        reason: 'checked_out',
        asset_tag: device.asset_tag,
      });
    }
    throw new AppError('conflict', `Device ${device.asset_tag} is ${STATUS_LABELS[device.status]}: an admin must make it available before it can be checked out.`);
  }

  private requireCheckedOut(device: DeviceRow): void {
    if (device.status !== 'checked_out') {
      throw new AppError('conflict', `Device ${device.asset_tag} is not checked out (it is ${STATUS_LABELS[device.status]}): nothing to check in.`);
    }
  }

  private requireUniqueSerial(assetTag: string, serial: string): void {
    if (!serial) return;
    const other = getDeviceBySerial(this.db, serial);
    if (other && other.asset_tag !== assetTag) {
      throw new AppError('conflict', `Serial number ${serial} already belongs to device ${other.asset_tag}.`);
    }
  }

  private validate(input: DeviceInput): DeviceFields {
    const problems: string[] = [];
    const tagProblem = assetTagProblem(input.asset_tag);
    if (tagProblem) problems.push(tagProblem);
    const fields: DeviceFields = {
      serial_number: input.serial_number.trim(),
      model: input.model.trim(),
      building: input.building.trim(),
      status: input.status,
      local_id: null,
    };
    for (const [name, value] of [['serial number', fields.serial_number], ['model', fields.model], ['building', fields.building]] as const) {
      const p = fieldProblem(name, value);
      if (p) problems.push(p);
    }
    if (!DEVICE_STATUSES.includes(input.status)) problems.push(`status must be one of ${DEVICE_STATUSES.join(', ')}`);
    if (problems.length) throw new AppError('invalid', `${capitalise(problems.join('; '))}.`);
    return fields;
  }
}

function describe(f: DeviceFields): string {
  return [f.model, f.serial_number && `serial ${f.serial_number}`, f.building, STATUS_LABELS[f.status]].filter(Boolean).join(', ');
}

function changes(before: DeviceRow, after: DeviceFields): string {
  const keys = ['serial_number', 'model', 'building', 'status'] as const;
  const diff = keys.filter((k) => before[k] !== after[k]).map((k) => `${k}: ${before[k] || '—'} → ${after[k] || '—'}`);
  return diff.join('; ') || 'no change';
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
