import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStaging, type Staging } from '../../src/storage/roster-staging.ts';

let dir: string;
let staging: Staging;
afterEach(() => {
  staging?.close();
  rmSync(dir, { recursive: true, force: true });
});

const row = (id: string, line: number) => ({ local_id: id, line, packed: `${line}|${id}` });

describe('staging rows, many per statement', () => {
  it('finds every duplicate Local ID, within one batch and across batches, and hands back each first line once', () => {
    dir = mkdtempSync(join(tmpdir(), 'idphotos-staging-'));
    staging = openStaging(join(dir, 'staging.db'));
    // 250 rows a batch: more than one statement's worth, so duplicates fall in either statement.
    const first = Array.from({ length: 250 }, (_, i) => row(`ID${i}`, i + 2));
    expect(staging.add(first)).toEqual([]);
    const second = Array.from({ length: 250 }, (_, i) => row(`N${i}`, i + 252));
    second[10] = row('ID5', 262); // a duplicate of a row of the first batch
    second[200] = row('ID5', 452); // and a third line of it
    second[150] = row('N3', 402); // a duplicate inside this batch (N3 is at index 3)
    expect(staging.add(second).sort()).toEqual(['255|N3', '7|ID5']);
    expect(staging.duplicateLines({ local_id: '', line: -1 }, 100)).toEqual([
      { local_id: 'ID5', line: 7 }, { local_id: 'ID5', line: 262 }, { local_id: 'ID5', line: 452 },
      { local_id: 'N3', line: 255 }, { local_id: 'N3', line: 402 },
    ]);
    staging.dropDuplicates(['ID5', 'N3']);
    expect(staging.page('', undefined, 1000).map((r) => r.local_id)).toHaveLength(500 - 3 - 2);
  });
});
