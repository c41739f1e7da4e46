import { formatLocalTime } from '../../shared/time.ts';
import { display } from './display.ts';

/** `2026-11-28 01:41 CST`: in the district's `timezone`, with the zone named so nobody guesses. */
export function formatTime(iso: string | null | undefined): string {
  return formatLocalTime(iso, display().timezone);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
