import type { DeviceActionStore, NewDeviceAction } from '../../storage/device-action-store.ts';

/** Who acts: a web account (with its role), or an import naming its file. */
export interface Actor {
  username: string;
  role: 'admin' | 'staff' | 'import';
}

export type DeviceActionName =
  | 'device.create'
  | 'device.update'
  | 'device.check_out'
  | 'device.check_in'
  | 'incident.create'
  | 'incident.close';

/** Records one action in the caller's transaction, so the log and the change commit together. */
export function recordAction(
  actions: DeviceActionStore,
  actor: Actor,
  action: DeviceActionName,
  at: string,
  subject: Partial<Pick<NewDeviceAction, 'asset_tag' | 'local_id' | 'incident_id' | 'detail'>>,
): void {
  actions.insertDeviceAction({
    at,
    actor: actor.username,
    action,
    asset_tag: subject.asset_tag ?? null,
    local_id: subject.local_id ?? null,
    incident_id: subject.incident_id ?? null,
    detail: subject.detail ?? '',
  });
}
