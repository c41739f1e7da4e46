import { readlinkSync } from 'node:fs';

/**
 * The district's clock. Times are stored and sent by the API as ISO 8601 in UTC; pages, CSV
 * files and the command line show them in `timezone` (an IANA name, default the server's).
 */

/** The IANA name to show times in: the configured one, else the server's, else UTC. */
export function resolveTimezone(configured: string): string {
  return configured || linkedTimezone() || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * The server's zone as ICU itself finds it when TZ is not set: the name /etc/localtime links to
 * (`…/zoneinfo/America/Chicago`). Read here first because the first Intl call loads ICU's zone
 * data, ~8 MiB of an idle appliance's memory and ~20 ms of its start-up, before any time is
 * shown. Anything else (TZ set, a copied file, no link) is left to Intl.
 */
function linkedTimezone(): string | undefined {
  if (process.env.TZ !== undefined) return undefined;
  try {
    const name = /\/zoneinfo\/((?:[A-Za-z_+-]+\/)*[A-Za-z0-9_+-]+)$/.exec(readlinkSync('/etc/localtime'))?.[1];
    // Debian links UTC as Etc/UTC; Intl calls the same zone UTC.
    return name === 'Etc/UTC' ? 'UTC' : name;
  } catch {
    return undefined;
  }
}

/** True for a name Intl knows (`America/Chicago`, `UTC`); false for `Mars/Olympus`. */
export function isTimezone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const FORMATS = new Map<string, Intl.DateTimeFormat>();

/** `2026-11-28 01:41 CST` (the zone's short name, or its offset like `GMT+9`); '—' for none. */
export function formatLocalTime(iso: string | null | undefined, timezone: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  // NB: shown to the minute, so one Intl call per UTC minute: a /reports/ listing formats every
  // row of 14 days (50,000 at most), and Intl takes ~20 µs a call (2 s for a listing without this).
  const minute = `${timezone} ${Math.floor(d.getTime() / 60_000)}`;
  const known = SHOWN.get(minute);
  if (known !== undefined) return known;
  if (SHOWN.size >= 10_000) SHOWN.clear();
  const shown = formatUncached(d, timezone);
  SHOWN.set(minute, shown);
  return shown;
}

const SHOWN = new Map<string, string>();

function formatUncached(d: Date, timezone: string): string {
  let format = FORMATS.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
    });
    FORMATS.set(timezone, format);
  }
  const p = Object.fromEntries(format.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${p.timeZoneName}`;
}

const DAYS = new Map<string, Intl.DateTimeFormat>();

/** `2026-11-28`: the day an instant falls on in `timezone`. */
export function localDay(date: Date, timezone: string): string {
  let format = DAYS.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
    DAYS.set(timezone, format);
  }
  return format.format(date);
}
