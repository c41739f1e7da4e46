import { AppError } from '../../shared/errors.ts';
import type { Storage } from '../../storage/index.ts';
import type {
  DeviceStore,
  DeviceFields,
  DeviceListRow,
  DeviceRow,
  DeviceStatus,
  LoanRow,
} from '../../storage/device-store.ts';
import type { DeviceActionRow } from '../../storage/device-action-store.ts';
import type { IncidentListRow } from '../../storage/incident-store.ts';
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

/** The stores check-out works on: devices and loans, their action log, incidents, and users. */
export type DeviceStores = Pick<Storage, 'tx' | 'devices' | 'deviceActions' | 'incidents' | 'users'>;

/**
 * Devices and the check-out / check-in transactions. Every refusal is an AppError whose message
 * the person at the desk can act on, thrown before anything is written; every change is written
 * in one transaction together with its action-log entry.
 */
export class DeviceService {
  constructor(private readonly storage: DeviceStores) {}

  /** The device typed or scanned: its asset tag (exact, leading zeros kept) or its serial number. */
  find(raw: string): DeviceRow {
    const scan = cleanScan(raw);
    if (scan === '') throw new AppError('invalid', 'Enter or scan an asset tag or serial number.');
    const device = this.storage.devices.getDevice(scan) ?? this.storage.devices.getDeviceBySerial(scan);
    if (!device) throw new AppError('not_found', `No device has the asset tag or serial number "${scan}".`);
    return device;
  }

  get(assetTag: string): DeviceRow {
    const device = this.storage.devices.getDevice(assetTag);
    if (!device) throw new AppError('not_found', `No device has the asset tag "${assetTag}".`);
    return device;
  }

  list(opts: { q?: string; status?: DeviceStatus; limit?: number } = {}): DeviceListRow[] {
    return this.storage.devices.listDevices({ q: opts.q?.trim() || undefined, status: opts.status, limit: opts.limit ?? 200 });
  }

  findPerson(raw: string): PersonRow {
    return findPerson(this.storage.users, raw);
  }

  holder(device: DeviceRow): PersonRow | undefined {
    return device.local_id ? this.storage.users.byLocalId(device.local_id) : undefined;
  }

  /** Step 1 of check-out: the device exists and is free to go. */
  checkOutDevice(raw: string): DeviceRow {
    const device = this.find(raw);
    this.requireAvailable(device);
    return device;
  }

  /** Step 2 of check-out: the person exists and is active. */
  checkOutPerson(raw: string): PersonRow {
    return requireActivePerson(findPerson(this.storage.users, raw));
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
    return this.storage.tx(() => {
      const device = this.get(assetTag);
      this.requireAvailable(device);
      const person = this.storage.users.byLocalId(localId);
      if (!person) throw new AppError('not_found', `No user has the Local ID "${localId}".`);
      requireActivePerson(person);
      const at = now();
      const loanId = this.storage.devices.openLoan(assetTag, localId, actor.username, at);
      this.storage.devices.setDeviceHolder(assetTag, 'checked_out', localId, at);
      recordAction(this.storage.deviceActions, actor, 'device.check_out', at, { asset_tag: assetTag, local_id: localId });
      return { device: this.get(assetTag), person, loanId };
    });
  }

  /** Takes `assetTag` back. `expectedLocalId`, when given, must still be the holder (the one confirmed). */
  checkIn(assetTag: string, actor: Actor, expectedLocalId?: string): { device: DeviceRow; person: PersonRow | undefined } {
    return this.storage.tx(() => {
      const device = this.get(assetTag);
      this.requireCheckedOut(device);
      if (expectedLocalId !== undefined && device.local_id !== expectedLocalId) {
        throw new AppError('conflict', `Device ${assetTag} is now checked out to ${device.local_id}, not ${expectedLocalId}: scan it again.`);
      }
      const person = this.holder(device);
      const at = now();
      this.storage.devices.closeLoan(assetTag, actor.username, at);
      this.storage.devices.setDeviceHolder(assetTag, 'available', null, at);
      recordAction(this.storage.deviceActions, actor, 'device.check_in', at, { asset_tag: assetTag, local_id: device.local_id });
      return { device: this.get(assetTag), person };
    });
  }

  /** Adds a device (admins). */
  create(input: DeviceInput, actor: Actor): DeviceRow {
    const fields = this.validate(input);
    if (fields.status === 'checked_out') {
      throw new AppError('invalid', 'A new device cannot start checked out: add it, then check it out to someone.');
    }
    return this.storage.tx(() => {
      if (this.storage.devices.getDevice(input.asset_tag)) {
        throw new AppError('conflict', `A device with asset tag ${input.asset_tag} already exists.`);
      }
      this.requireUniqueSerial(input.asset_tag, fields.serial_number);
      const at = now();
      this.storage.devices.insertDevice(input.asset_tag, fields, 'web', at);
      recordAction(this.storage.deviceActions, actor, 'device.create', at, { asset_tag: input.asset_tag, detail: describe(fields) });
      return this.get(input.asset_tag);
    });
  }

  /** Edits a device's details or sets it in repair / retired / available (admins). Not while it is out. */
  update(assetTag: string, input: Omit<DeviceInput, 'asset_tag'>, actor: Actor): DeviceRow {
    const fields = this.validate({ ...input, asset_tag: assetTag });
    return this.storage.tx(() => {
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
      this.storage.devices.updateDevice(assetTag, fields, 'web', at);
      recordAction(this.storage.deviceActions, actor, 'device.update', at, { asset_tag: assetTag, detail: changes(before, fields) });
      return this.get(assetTag);
    });
  }

  profile(assetTag: string): DeviceProfile {
    const device = this.get(assetTag);
    const loans = this.storage.devices.loansOfDevice(assetTag, 100).map((l) => ({ ...l, person: this.storage.users.byLocalId(l.local_id) }));
    return {
      device,
      holder: this.holder(device),
      loans,
      incidents: this.storage.incidents.incidentsOfDevice(assetTag, 50),
      actions: this.storage.deviceActions.actionsOfDevice(assetTag, 50),
    };
  }

  /** Devices a user has now: check-out shows them, so a second laptop is a decision, not an accident. */
  heldBy(localId: string): DeviceRow[] {
    return this.storage.devices.devicesHeldBy(localId);
  }

  /** Devices a user has (or had) and their incidents, for the user profile. */
  ofPerson(localId: string): { loans: ReturnType<DeviceStore['loansOfUser']>; incidents: IncidentListRow[] } {
    return { loans: this.storage.devices.loansOfUser(localId, 50), incidents: this.storage.incidents.incidentsOfUser(localId, 50) };
  }

  private requireAvailable(device: DeviceRow): void {
    if (device.status === 'available') return;
    if (device.status === 'checked_out') {
      const holder = this.holder(device);
      const since = this.storage.devices.currentLoan(device.asset_tag)?.checked_out_at.slice(0, 10);
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
    const other = this.storage.devices.getDeviceBySerial(serial);
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
