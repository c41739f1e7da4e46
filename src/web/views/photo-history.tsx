import type { AppContext } from '../../context.ts';
import type { SignedIn } from '../../domain/auth/auth.ts';

/** Admin part of a profile: the photo's versions with restore. Filled in once the photo store exposes history. */
export function PhotoHistorySection(_props: { ctx: AppContext; viewer: SignedIn; localId: string }) {
  return null;
}
