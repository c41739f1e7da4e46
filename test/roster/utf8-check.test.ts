import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readFileFacts, wholeCharacters } from '../../src/domain/roster/decode.ts';

/** The file is read 256 KB at a time; these bytes straddle the first boundary. */
const CHUNK = 256 * 1024;
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function fileWith(at: number, bytes: number[], length = CHUNK * 2): string {
  const buf = Buffer.alloc(length, 0x61);
  Buffer.from(bytes).copy(buf, at);
  const path = join(dir!, `f${at}-${bytes.join('-')}-${length}.csv`);
  writeFileSync(path, buf);
  return path;
}

describe('the UTF-8 check of a roster file, read in chunks', () => {
  it('takes characters split across two reads as UTF-8', async () => {
    dir = mkdtempSync(join(tmpdir(), 'idphotos-utf8-'));
    // é (2 bytes), € (3 bytes), 😀 (4 bytes), each cut after every possible byte.
    for (const ch of ['é', '€', '😀']) {
      const bytes = [...Buffer.from(ch)];
      for (let cut = 1; cut < bytes.length; cut++) expect((await readFileFacts(fileWith(CHUNK - cut, bytes))).utf8).toBe(true);
    }
  });

  it('refuses a byte that is not UTF-8 (Windows-1252 é), a character cut off at the end, and a surrogate', async () => {
    dir = mkdtempSync(join(tmpdir(), 'idphotos-utf8-'));
    expect((await readFileFacts(fileWith(300_000, [0xe9, 0x61]))).utf8).toBe(false);
    expect((await readFileFacts(fileWith(CHUNK - 1, [0xe9]))).utf8).toBe(false);
    expect((await readFileFacts(fileWith(CHUNK * 2 - 2, [0xe2, 0x82]))).utf8).toBe(false);
    expect((await readFileFacts(fileWith(CHUNK - 1, [0xed, 0xa0, 0x80]))).utf8).toBe(false);
    expect((await readFileFacts(fileWith(10, [0xc3, 0xa9]))).utf8).toBe(true);
  });

  it('leaves only an unfinished last character for the next chunk', () => {
    expect(wholeCharacters(Buffer.from('abc'))).toBe(3);
    expect(wholeCharacters(Buffer.from([0x61, 0xc3]))).toBe(1);
    expect(wholeCharacters(Buffer.from([0x61, 0xf0, 0x9f, 0x98]))).toBe(1);
    expect(wholeCharacters(Buffer.from([0x61, 0xf0, 0x9f, 0x98, 0x80]))).toBe(5);
    // Continuation bytes with no lead are not held back: the check refuses them.
    expect(wholeCharacters(Buffer.from([0x80, 0x80, 0x80, 0x80]))).toBe(4);
  });
});
