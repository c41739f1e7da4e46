/**
 * Styles of the check-out, device and incident pages, on top of the viewer's stylesheet (its
 * colours, panels, buttons and tables). The confirmation photo is large on purpose: it is how
 * the person at the desk knows they are handing the laptop to the right student.
 */
export const CHECKOUT_CSS = `
.modes { display: flex; gap: .25rem; margin: 0 0 1rem; padding: 0; list-style: none; }
.modes a { display: block; padding: .45rem 1rem; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); text-decoration: none; font-weight: 600; }
.modes a[aria-current="page"] { background: var(--accent); border-color: var(--accent); color: #fff; }
.scan { display: grid; grid-template-columns: 1fr auto; gap: .6rem; align-items: end; max-width: 36rem; }
.scan .field { margin: 0; }
.scan input[type=text] { font-size: 1.35rem; padding: .6rem .8rem; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
.scan .btn { padding: .7rem 1.2rem; }
.hint { color: var(--muted); font-size: .9rem; margin: .35rem 0 0; }
.step-done { display: flex; gap: .75rem; align-items: baseline; flex-wrap: wrap; margin-bottom: 1rem; padding-bottom: .75rem; border-bottom: 1px solid var(--line); }
.step-done .what { color: var(--muted); }
.confirm { display: grid; grid-template-columns: minmax(12rem, 20rem) 1fr; gap: 1.75rem; align-items: start; }
@media (max-width: 700px) { .confirm { grid-template-columns: 1fr; } }
.confirm-photo { width: 100%; max-width: 20rem; height: auto; aspect-ratio: 3 / 4; object-fit: cover; border-radius: var(--radius);
  border: 1px solid var(--line); background: #e7ebf0; display: block; }
.confirm h2 { font-size: 2rem; margin: 0 0 .5rem; line-height: 1.2; }
.confirm .facts { font-size: 1.15rem; margin-bottom: 1.25rem; }
.confirm .btn { font-size: 1.15rem; padding: .75rem 1.5rem; }
.confirm .actions { align-items: center; gap: 1.25rem; }
kbd { font-family: inherit; font-size: .8em; border: 1px solid #a8b3c2; border-bottom-width: 2px; border-radius: 4px; padding: 0 .35rem; background: #fff; color: var(--text); }
.btn kbd { background: transparent; color: inherit; border-color: currentColor; }
#checkout[aria-busy="true"] { opacity: .7; }
.holder { display: flex; gap: 1rem; align-items: center; }
.holder img { width: 96px; height: 128px; object-fit: cover; border-radius: 6px; border: 1px solid var(--line); background: #e7ebf0; flex: none; }
.holder .name { font-size: 1.2rem; font-weight: 600; display: block; }
.two-col { display: grid; grid-template-columns: 1fr 1fr; gap: 1.25rem; align-items: start; }
@media (max-width: 800px) { .two-col { grid-template-columns: 1fr; } }
.form-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: .75rem 1rem; align-items: end; }
.form-grid .field { margin: 0; }
textarea { width: 100%; font: inherit; padding: .55rem .7rem; border: 1px solid #8a96a6; border-radius: 6px; min-height: 7rem; }
input[type=date] { font: inherit; padding: .5rem .7rem; border: 1px solid #8a96a6; border-radius: 6px; }
.toolbar { justify-content: space-between; align-items: center; margin-bottom: 1rem; }
.toolbar .modes { margin: 0; }
.field.spaced { margin-top: 1rem; }
.description { white-space: pre-wrap; overflow-wrap: anywhere; }
`;
