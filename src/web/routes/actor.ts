import type { SignedIn } from '../../domain/auth/auth.ts';
import type { Actor } from '../../domain/devices/actions.ts';

/** The account behind a web request, as the device and incident domains record it. */
export function actorOf(user: SignedIn): Actor {
  return { username: user.username, role: user.role };
}
