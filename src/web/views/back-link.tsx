/** The small "← …" link above a detail page's heading, back to the list it was opened from. */
export function BackLink({ href, text }: { href: string; text: string }) {
  return (
    <p class="small">
      <a href={href}>← {text}</a>
    </p>
  );
}
