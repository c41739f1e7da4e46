/**
 * The green "done" line a page shows after a change went through (`?notice=` on the redirect):
 * a status region, so a screen reader reads it out without moving focus. Nothing when there is none.
 */
export function Notice({ text }: { text?: string | undefined }) {
  if (!text) return null;
  return (
    <p class="alert ok" role="status">
      {text}
    </p>
  );
}
