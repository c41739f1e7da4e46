import { writeFileSync } from 'node:fs';

const FIRST = ['José', 'Zoë', 'Thảo', 'Mary', 'Liam', 'Ava', 'Noah', 'Olivia', 'Elijah', 'Sofía'];
const LAST = ["O'Brien", 'Nguyễn', 'Smith-Jones', 'García', 'Johnson', 'Williams', 'Brown', 'Müller', 'Lee', 'Patel'];
const BUILDINGS = ['Lincoln Elementary', 'Roosevelt Middle', 'Central High', 'Washington Elementary'];

/**
 * The students.csv the roster benchmarks import: `rows` students with accented names, quoted
 * fields and leading-zero IDs. `changedEvery`: every n-th student moves up a grade (the nightly
 * file after a few changes).
 */
export function makeRosterCsv(path: string, rows: number, changedEvery = 0): void {
  const lines = ['Local ID,First Name,Last Name,Middle Name,Grade,Building,Email,Username'];
  for (let i = 0; i < rows; i++) {
    const id = String(100000 + i).padStart(8, '0');
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[(i * 7) % LAST.length]!;
    const grade = (i % 12) + 1 + (changedEvery && i % changedEvery === 0 ? 1 : 0);
    lines.push(`${id},${first},"${last}",${i % 3 ? '' : 'A'},${String(grade).padStart(2, '0')},${BUILDINGS[i % 4]},s${id}@example.org,s${id}`);
  }
  writeFileSync(path, `${lines.join('\r\n')}\r\n`);
}
