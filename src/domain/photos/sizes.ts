import { AppError } from '../../shared/errors.ts';

/** Display renderings, by name and long-side pixels. The viewer picks one with `?size=`. */
export const DISPLAY_SIZES = { thumb: 96, profile: 240, full: 480 } as const;
export type DisplaySize = keyof typeof DISPLAY_SIZES;
export const SIZE_NAMES = Object.keys(DISPLAY_SIZES) as DisplaySize[];
export const SIZE_PIXELS = SIZE_NAMES.map((s) => DISPLAY_SIZES[s]);

/**
 * Bumped when the renderings change (quality, sizes), so browsers fetch them again:
 * it is part of every ETag.
 */
export const RENDER_REVISION = 'r1';

export function parseDisplaySize(value: string | undefined, fallback: DisplaySize = 'profile'): DisplaySize {
  if (value === undefined || value === '') return fallback;
  if ((SIZE_NAMES as string[]).includes(value)) return value as DisplaySize;
  throw new AppError('invalid', `size must be ${SIZE_NAMES.join(', ')} (got "${value}")`);
}
