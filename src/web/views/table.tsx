import type { Child } from 'hono/jsx';

/**
 * A column heading: its text; `{ num: text }` for a right-aligned column of numbers; `{ hidden: text }`
 * for a heading only a screen reader reads (a column of buttons). `false` leaves the column out.
 */
export type Column = string | { num: string } | { hidden: string } | false;

/**
 * A table of rows in a box that scrolls sideways on a narrow screen rather than the page.
 * With `label` the box is also a focusable, named region, so a keyboard user can scroll it
 * and a screen reader announces what it holds. `children` are the body's rows.
 */
export function ScrollTable({ label, columns, children }: { label?: string; columns: Column[]; children?: Child }) {
  const region = label ? { tabindex: 0, role: 'region', 'aria-label': label } : {};
  return (
    <div class="table-wrap" {...region}>
      <table>
        <thead>
          <tr>
            {columns.filter((c) => c !== false).map(Heading)}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

function Heading(c: Exclude<Column, false>) {
  if (typeof c === 'string') return <th scope="col">{c}</th>;
  if ('num' in c) {
    return (
      <th scope="col" class="num">
        {c.num}
      </th>
    );
  }
  return (
    <th scope="col">
      <span class="visually-hidden">{c.hidden}</span>
    </th>
  );
}
