import { describe, expect, it } from 'vitest';
import { packedHead, packRow, unpackRow } from '../../src/domain/roster/packed-row.ts';
import type { RosterRow } from '../../src/domain/roster/types.ts';

describe('packed roster rows (a staged row is one string)', () => {
  it('gives back every field as it was: an empty value stays empty, a missing column stays missing', () => {
    const rows: RosterRow[] = [
      { line: 2, local_id: '000123', role: 'student', active: true, values: ['000123', 'José', "O'Brien", '', '05', 'North', 'jose@example.org', '', undefined, '0'] },
      { line: 99_999, local_id: 'S-77', role: 'staff', active: false, values: ['S-77', 'Thảo', 'Nguyễn, Jr', undefined, undefined, '', undefined, 'tn', 'Aide; "lead"', undefined] },
    ];
    for (const row of rows) {
      const packed = packRow(row);
      expect(typeof packed).toBe('string');
      expect(unpackRow(packed)).toEqual(row);
      expect(packedHead(packed)).toEqual({ line: row.line, role: row.role, active: row.active });
    }
  });
});
