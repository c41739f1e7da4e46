import type { Storage } from '../../storage/index.ts';
import { recordAction, type Actor } from './actions.ts';
import type { DevicePlan } from './import-plan.ts';

export interface DeviceImportCounts {
  added: number;
  updated: number;
  unchanged: number;
  deactivated: number;
}

/**
 * Writes a plan made by `planDeviceImport`. Runs inside the caller's transaction (the import
 * pipeline's), so the devices, the loans and the import record commit together or not at all.
 * A change of holder closes the open loan and opens one for the new holder, so the device
 * profile's history shows assignments from files like those made at the desk.
 */
export function applyDeviceImport({ devices, deviceActions }: Pick<Storage, 'devices' | 'deviceActions'>, plan: DevicePlan, actor: Actor): DeviceImportCounts {
  const at = new Date().toISOString();
  const source = actor.username;
  // NB: clear changing serials first, so two devices that swap serials in one file do not
  // collide on the unique index halfway through.
  for (const u of plan.updates) {
    if (u.before!.serial_number !== u.after.serial_number) devices.clearSerial(u.asset_tag);
  }
  for (const a of plan.adds) {
    devices.insertDevice(a.asset_tag, a.after, source, at);
    if (a.after.local_id) devices.openLoan(a.asset_tag, a.after.local_id, actor.username, at);
    recordAction(deviceActions, actor, 'device.create', at, { asset_tag: a.asset_tag, local_id: a.after.local_id, detail: `line ${a.line}` });
  }
  for (const u of plan.updates) {
    const before = u.before!;
    if (before.local_id !== u.after.local_id) {
      if (before.local_id) {
        devices.closeLoan(u.asset_tag, actor.username, at);
        recordAction(deviceActions, actor, 'device.check_in', at, { asset_tag: u.asset_tag, local_id: before.local_id, detail: `line ${u.line}` });
      }
      if (u.after.local_id) {
        devices.openLoan(u.asset_tag, u.after.local_id, actor.username, at);
        recordAction(deviceActions, actor, 'device.check_out', at, { asset_tag: u.asset_tag, local_id: u.after.local_id, detail: `line ${u.line}` });
      }
    }
    devices.updateDevice(u.asset_tag, u.after, source, at);
    recordAction(deviceActions, actor, 'device.update', at, { asset_tag: u.asset_tag, detail: `line ${u.line}` });
  }
  for (const d of plan.retire) {
    if (d.local_id) devices.closeLoan(d.asset_tag, actor.username, at);
    devices.setDeviceHolder(d.asset_tag, 'retired', null, at);
    recordAction(deviceActions, actor, 'device.update', at, { asset_tag: d.asset_tag, local_id: d.local_id, detail: 'retired: missing from a full export' });
  }
  return { added: plan.adds.length, updated: plan.updates.length, unchanged: plan.unchanged, deactivated: plan.retire.length };
}
