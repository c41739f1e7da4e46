import type { FC } from 'hono/jsx';

/**
 * The mark of a FERPA directory opt-out, wherever a person's photo would be: staff read
 * "Photo withheld" beside the placeholder; admins, who see the photo, read that it is withheld
 * from everyone else.
 */
export const WithheldBadge: FC<{ optOut: number | boolean; admin: boolean }> = ({ optOut, admin }) =>
  optOut ? (
    <span class="badge warn withheld" title="Directory opt-out (FERPA): staff see the placeholder; exports and integration tokens leave the photo out.">
      {admin ? 'Opted out: photo withheld from staff' : 'Photo withheld'}
    </span>
  ) : null;
