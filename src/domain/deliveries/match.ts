import type { IndexLine } from './index-file.ts';

export interface RosterPerson {
  local_id: string;
  first_name: string;
  last_name: string;
  grade: string;
}

export interface Candidate {
  local_id: string;
  name: string;
  grade: string;
}

export type MatchResult = { status: 'matched'; localId: string; how: string } | { status: 'waiting'; reason: string; candidates: Candidate[] };

const MAX_CANDIDATES = 10;

/** `Zoë` → `zoe`, `  O'Brien ` → `o'brien`: the accent- and case-insensitive form of a name. */
export function foldName(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** `05` → `5`, `KG`/`00` → `K`, `PK`/`Pre-K` → `PK`: grades as vendors and SIS write them. */
export function foldGrade(g: string): string {
  const t = g.trim().toUpperCase().replace(/^GRADE\s*/, '');
  if (t === 'K' || t === 'KG' || t === 'KN' || t === '00' || t === '0K') return 'K';
  if (t === 'PK' || t === 'PRE-K' || t === 'PREK' || t === 'P') return 'PK';
  if (/^\d+$/.test(t)) return String(Number(t));
  return t;
}

/**
 * Matches index lines against the active roster: by student ID when the line has one, else by
 * last name + first name + grade, first exactly, then ignoring accents and case. Only one
 * person is a match; two or more, or none, wait for an admin with the people it could be.
 */
export function createMatcher(people: readonly RosterPerson[]) {
  const byId = new Map(people.map((p) => [p.local_id, p]));
  const exact = group(people, (p) => `${p.last_name}\u0000${p.first_name}\u0000${foldGrade(p.grade)}`);
  const folded = group(people, (p) => `${foldName(p.last_name)}\u0000${foldName(p.first_name)}\u0000${foldGrade(p.grade)}`);
  const anyGrade = group(people, (p) => `${foldName(p.last_name)}\u0000${foldName(p.first_name)}`);
  const candidate = (p: RosterPerson): Candidate => ({ local_id: p.local_id, name: `${p.first_name} ${p.last_name}`.trim(), grade: p.grade });
  const gradeText = (g: string) => (g.trim() ? ` in grade ${g.trim()}` : '');

  return function match(line: IndexLine): MatchResult {
    if (line.studentId) {
      const p = byId.get(line.studentId);
      if (p) return { status: 'matched', localId: p.local_id, how: 'student ID' };
      const named = line.lastName && line.firstName ? (anyGrade.get(`${foldName(line.lastName)}\u0000${foldName(line.firstName)}`) ?? []) : [];
      return { status: 'waiting', reason: `no active user has Local ID ${line.studentId}`, candidates: named.slice(0, MAX_CANDIDATES).map(candidate) };
    }
    const name = `${line.firstName} ${line.lastName}`.trim();
    const grade = foldGrade(line.grade);
    for (const [index, key, how] of [
      [exact, `${line.lastName}\u0000${line.firstName}\u0000${grade}`, 'name and grade'],
      [folded, `${foldName(line.lastName)}\u0000${foldName(line.firstName)}\u0000${grade}`, 'name and grade, ignoring accents and case'],
    ] as const) {
      const found = index.get(key) ?? [];
      if (found.length === 1) return { status: 'matched', localId: found[0]!.local_id, how };
      if (found.length > 1) return { status: 'waiting', reason: `${found.length} people named ${name}${gradeText(line.grade)}`, candidates: found.slice(0, MAX_CANDIDATES).map(candidate) };
    }
    const elsewhere = anyGrade.get(`${foldName(line.lastName)}\u0000${foldName(line.firstName)}`) ?? [];
    return {
      status: 'waiting',
      reason: elsewhere.length ? `no one named ${name}${gradeText(line.grade)}; ${elsewhere.length} in another grade` : `no active user named ${name}${gradeText(line.grade)}`,
      candidates: elsewhere.slice(0, MAX_CANDIDATES).map(candidate),
    };
  };
}

function group<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
