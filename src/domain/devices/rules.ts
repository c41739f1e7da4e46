import { AppError } from '../../shared/errors.ts';
import type { DeviceStatus } from '../../storage/device-store.ts';

export const DEVICE_STATUSES: readonly DeviceStatus[] = ['available', 'checked_out', 'in_repair', 'retired'];

export const STATUS_LABELS: Record<DeviceStatus, string> = {
  available: 'available',
  checked_out: 'checked out',
  in_repair: 'in repair',
  retired: 'retired',
};

const ASSET_TAG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Asset tags are text compared exactly: leading zeros are part of the tag. They appear in
 * addresses (`/devices/{asset_tag}`), so they are limited to letters, digits, `.`, `_` and `-`.
 * Returns the reason a tag is not acceptable, or undefined.
 */
export function assetTagProblem(tag: string): string | undefined {
  if (tag === '') return 'the asset tag is empty';
  if (!ASSET_TAG.test(tag)) {
    return `asset tag "${tag}" may hold only letters, digits, ".", "_" and "-" (1 to 64, starting with a letter or digit)`;
  }
  return undefined;
}

export function checkAssetTag(tag: string): void {
  const problem = assetTagProblem(tag);
  if (problem) throw new AppError('invalid', problem);
}

/**
 * Reads a status the way people write it in a spreadsheet: `Checked Out`, `checked-out`,
 * `IN REPAIR`, `Repair`. Empty means "not said" (undefined); anything unknown is null.
 */
export function parseStatus(raw: string): DeviceStatus | undefined | null {
  const s = raw.trim().toLowerCase().replace(/[\s_-]+/g, ' ');
  if (s === '') return undefined;
  switch (s) {
    case 'available':
    case 'in stock':
    case 'spare':
      return 'available';
    case 'checked out':
    case 'assigned':
    case 'loaned':
      return 'checked_out';
    case 'in repair':
    case 'repair':
      return 'in_repair';
    case 'retired':
    case 'disposed':
      return 'retired';
    default:
      return null;
  }
}

/** Longest text kept for serial, model and building (a CSV cell past this is a mistake). */
export const MAX_FIELD = 200;

export function fieldProblem(name: string, value: string): string | undefined {
  if (value.length > MAX_FIELD) return `${name} is longer than ${MAX_FIELD} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return `${name} contains control characters`;
  return undefined;
}
