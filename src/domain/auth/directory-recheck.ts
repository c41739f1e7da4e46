import { errorMessage } from '../../shared/errors.ts';
import type { StaffRow } from '../../storage/staff-store.ts';
import type { Directories, RecheckAnswer } from './directory.ts';
import type { StaffRegistry } from './staff.ts';

/**
 * Asks the directory again about people signed in through it, at most once per
 * `recheckMs` per person (all their sessions share the answer). A "no" (removed, disabled,
 * out of the groups, refresh token refused) ends every session of that person.
 *
 * NB: when the directory cannot be reached, the session ends too: a leaver must not keep
 * access to student records because the domain controller is down. Local accounts are the
 * way in meanwhile, and the sign-in page names the provider that failed.
 */
export function createDirectoryRecheck(directories: Directories, staff: StaffRegistry) {
  // One question at a time per person: a page of thumbnails must not ask the directory fifty times.
  const inFlight = new Map<number, Promise<StaffRow | undefined>>();

  const ask = async (person: StaffRow, now: Date): Promise<StaffRow | undefined> => {
    let answer: RecheckAnswer;
    try {
      if (person.method === 'ldap' && directories.ldap) answer = await directories.ldap.recheck(person.subject);
      else if (person.method === 'oidc' && directories.oidc) answer = await directories.oidc.recheck(person.refresh_token, person.role);
      else answer = { ok: false, reason: `${person.method}_not_configured` };
    } catch (err) {
      // NB: re-checks are never refused as busy (strangers filling the sign-in places must not
      // keep a leaver in): an error here is the directory's.
      answer = { ok: false, reason: `provider_down: ${errorMessage(err)}` };
    }
    if (answer.ok) return staff.checked(person.id, answer.role, now, answer.refreshToken);
    staff.endSessions(person.id);
    directories.onRevoked?.(person, answer.reason);
    return undefined;
  };

  return {
    /** The person as the directory sees them now, or undefined when their sessions ended. */
    ifDue(person: StaffRow, now = new Date()): Promise<StaffRow | undefined> | StaffRow {
      if (now.getTime() - Date.parse(person.checked_at) < directories.recheckMs) return person;
      let pending = inFlight.get(person.id);
      if (!pending) {
        pending = ask(person, now).finally(() => inFlight.delete(person.id));
        inFlight.set(person.id, pending);
      }
      return pending;
    },
  };
}
