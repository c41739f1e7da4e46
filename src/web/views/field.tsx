import type { Child } from 'hono/jsx';

/** A form field: its visible label tied by `for` to the control `id` names, then the control (and any hint). */
export function Field({ id, label, children }: { id: string; label: string; children?: Child }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
    </div>
  );
}
