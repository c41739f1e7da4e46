import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { portraitJpeg } from './portraits.ts';
import type { TestSite } from './helpers.ts';

const FIRST = ['Liam', 'Olivia', 'Noah', 'Emma', 'Mateo', 'Sofía', 'Wei', 'Mei', 'Aiden', 'Zoë', 'José', 'Amara', 'Ethan', 'Chloé', 'Lucas', 'Ava', 'Mohammed', 'Layla', 'Kai', 'Isabella', 'Oliver', 'Hana', 'Diego', 'Nia'];
const LAST = ['Nguyễn', "O'Brien", 'Smith-Jones', 'Johnson', 'Martinez', 'Chen', 'Okafor', 'Williams', 'Kowalski', 'Haddad', 'Brown', 'Rossi', 'Patel', 'Anderson', 'Lopez', 'Kim', 'Dubois', 'Murphy', 'Tanaka', 'Silva'];
const BUILDINGS = ['Lincoln Elementary', 'Roosevelt Middle', 'Central High'];

function csvLine(cells: string[]): string {
  return cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');
}

/**
 * A small district, through the real parts: roster CSVs through the roster import, photos
 * through the photo store. S100001 Maria Elena Garcia has a photo, S100003 has none, S100666
 * has a `<script>` first name from the CSV; there is a held import, an unmatched photo and
 * a refused upload for the admin pages.
 */
export async function seedDemoDistrict(site: TestSite): Promise<void> {
  const { ctx } = site.app;
  const inbox = join(site.dir, 'seed');
  mkdirSync(inbox, { recursive: true });

  const header = csvLine(['Student_Number', 'First_Name', 'Middle_Name', 'Last_Name', 'Grade_Level', 'School', 'Email']);
  const rows: string[][] = [
    ['S100001', 'Maria', 'Elena', 'Garcia', '9', 'Central High', 'mgarcia@students.example.org'],
    ['S100002', 'Marcus', '', 'Garcia', '11', 'Central High', 'mgarcia2@students.example.org'],
    ['S100003', 'Ana', '', 'Garcia-Lopez', '4', 'Lincoln Elementary', ''],
    ['S100666', '<script>window.__xss=1</script>', '', 'Mallory', '7', 'Roosevelt Middle', ''],
  ];
  for (let i = 0; i < 44; i++) {
    const grade = String((i % 12) + 1);
    const building = Number(grade) <= 5 ? BUILDINGS[0]! : Number(grade) <= 8 ? BUILDINGS[1]! : BUILDINGS[2]!;
    rows.push([`S1001${String(i).padStart(2, '0')}`, FIRST[i % FIRST.length]!, '', LAST[(i * 7) % LAST.length]!, grade, building, '']);
  }
  const broken = [
    csvLine(['1.23457E+11', 'Excel', '', 'Damage', '10', 'Central High', '']),
    csvLine(['S100900', 'NoLastName', '', '', '3', 'Lincoln Elementary', '']),
  ];
  const students = join(inbox, 'students.csv');
  writeFileSync(students, [header, ...rows.map(csvLine), ...broken].join('\r\n') + '\r\n');
  await ctx.roster.importFile({ path: students, origin: 'sftp:district' });

  const staff = join(inbox, 'staff.csv');
  writeFileSync(
    staff,
    [
      csvLine(['Staff ID', 'First Name', 'Last Name', 'Email', 'Building Code', 'Position']),
      csvLine(['T0042', 'Grace', 'Hopper', 'ghopper@example.org', 'Central High', 'Library Media Specialist']),
      csvLine(['T0043', 'Alan', 'Garcia', 'agarcia@example.org', 'Roosevelt Middle', 'Front Office']),
    ].join('\r\n') + '\r\n',
  );
  await ctx.roster.importFile({ path: staff, origin: 'sftp:district' });

  // Photos for everyone but S100003, through the photo store.
  const ids = rows.map((r) => r[0]!).filter((id) => id !== 'S100003');
  ids.push('T0042', 'T0043');
  for (const [i, id] of ids.entries()) {
    const file = join(inbox, `${id}.jpg`);
    writeFileSync(file, await portraitJpeg(i + 1));
    await ctx.photos.addFile(file, { account: 'district' });
  }
  // A photo named with the wrong case: kept unmatched, with a hint.
  const lower = join(inbox, 's100003.jpg');
  writeFileSync(lower, await portraitJpeg(99));
  await ctx.photos.addFile(lower, { account: 'district' });
  // A text file named .jpg: refused, with the reason.
  const text = join(inbox, 'S100004.jpg');
  writeFileSync(text, 'Student_Number,First_Name\nS100004,Liam\n');
  await ctx.photos.addFile(text, { account: 'district' }).catch(() => undefined);

  // Next year's file moves every student up a grade: over hold_change_percent, so it waits for an admin.
  const nextYear = join(inbox, 'next', 'students.csv');
  mkdirSync(join(inbox, 'next'), { recursive: true });
  writeFileSync(nextYear, [header, ...rows.map((r) => csvLine([r[0]!, r[1]!, r[2]!, r[3]!, String(Number(r[4]) + 1), r[5]!, r[6]!]))].join('\r\n') + '\r\n');
  await ctx.roster.importFile({ path: nextYear, origin: 'sftp:district' });
}
