import type { NameBook } from '../../domain/roster/code-names.ts';

/**
 * What every page renders with but no request changes: the names for building and grade codes
 * and the district's time zone.
 * Set once by createWebApp from the composition root's services.
 * NB: module state, like the logger's configuration: threading it through every view and
 * shared component (person cards, result lists) as a prop would touch each caller for no gain.
 */
export interface Display {
  names: NameBook;
  /** IANA name every time on a page is shown in (resolved: never empty). */
  timezone: string;
}

const AS_IS: NameBook = { building: (code) => code, grade: (code) => code };
let current: Display = { names: AS_IS, timezone: 'UTC' };

export function configureDisplay(display: Display): void {
  current = display;
}

export function display(): Display {
  return current;
}

/** "Lincoln Elementary (101)" for a filter option: the name, and the code it stands for. */
export function withCode(name: string, code: string): string {
  return name === code ? code : `${name} (${code})`;
}
