import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonChange } from '../../src/storage/import-types.ts';
import { startHarness, type Harness } from '../sftp/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.stop());

// README: at most 500,000 people per import and 1,000,000 over all imports are listed.
const PER_IMPORT = 400_000;

function* people(n: number): Generator<PersonChange> {
  for (let i = 0; i < n; i++) yield { kind: 'added', local_id: `S${String(i).padStart(7, '0')}`, role: 'student', name: `First${i} Last${i}`, grade: '05', building: '101', fields: [] };
}

describe('who each import changed: the budget over all imports', () => {
  it('three uploads that each change 400,000 people keep at most 1,000,000 listed: the oldest list goes, its counts and a note stay', () => {
    const { storage } = h.app;
    const ids: number[] = [];
    for (let n = 0; n < 3; n++) {
      const id = storage.imports.insertImport({
        file: 'students.csv', source: 'students.csv', kind: 'students', origin: 'sftp', sha256: `${n}`.padStart(64, '0'), bytes: 1,
        status: 'held', received_at: new Date().toISOString(),
      });
      storage.imports.updateImport(id, { added: PER_IMPORT, rows: PER_IMPORT });
      storage.tx(() => storage.importChanges.replaceChanges(id, people(PER_IMPORT)), { durable: false });
      ids.push(id);
    }
    const listed = ids.map((id) => Object.values(storage.importChanges.countChanges(id)).reduce((a, b) => a + b, 0));
    expect(listed).toEqual([0, PER_IMPORT, PER_IMPORT]);
    const oldest = h.app.ctx.roster.changes(ids[0]!);
    expect(oldest.total).toBe(0);
    expect(oldest.note).toContain('the list of who was dropped');
    expect(h.app.ctx.roster.getImport(ids[0]!)).toMatchObject({ added: PER_IMPORT });
    expect(h.app.ctx.roster.changes(ids[2]!).note).not.toContain('dropped');
  }, 600_000);
});
