import type { SignedIn } from '../../domain/auth/auth.ts';
import type { FilterOptions, SearchQuery, SearchResult, UserSummary } from '../../domain/users/users.ts';
import { Layout } from './layout.tsx';
import { WithheldBadge } from './withheld.tsx';
import { display, withCode } from './display.ts';
import { Field } from './field.tsx';

export function photoUrl(localId: string, size: 'thumb' | 'profile' | 'full'): string {
  return `/photos/${encodeURIComponent(localId)}?size=${size}`;
}

export function personName(u: Pick<UserSummary, 'first_name' | 'last_name'>): string {
  return `${u.first_name} ${u.last_name}`.trim();
}

const ROLE_LABEL: Record<string, string> = { student: 'Student', staff: 'Staff' };

/** The result list alone: the whole page embeds it, and search-as-you-type swaps it in. */
export function SearchResults({ query, result, admin = false }: { query: SearchQuery; result: SearchResult | undefined; admin?: boolean }) {
  if (!result) {
    return (
      <p class="count" data-summary>
        Type a name or a Local ID to search.
      </p>
    );
  }
  const n = result.users.length;
  const summary =
    n === 0
      ? `No one matches ${describe(query)}.`
      : result.more
        ? `Showing the first ${n} matches for ${describe(query)}. Type more to narrow it down.`
        : `${n} ${n === 1 ? 'person matches' : 'people match'} ${describe(query)}.`;
  return (
    <>
      <p class="count" data-summary>
        {summary}
      </p>
      {n > 0 && (
        <ul class="results">
          {result.users.map((u) => (
            <li class={u.active ? undefined : 'inactive'}>
              <a href={`/users/${encodeURIComponent(u.local_id)}`}>
                <img src={photoUrl(u.local_id, 'thumb')} alt={personName(u)} width={56} height={56} loading="lazy" decoding="async" />
                <span>
                  <span class="name">
                    {u.last_name}, {u.first_name} {!u.active && <span class="badge off">Inactive</span>} <WithheldBadge optOut={u.opt_out} admin={admin} />
                  </span>
                  <span class="meta">
                    {[u.local_id, ROLE_LABEL[u.role] ?? u.role, u.grade && `Grade ${display().names.grade(u.grade)}`, display().names.building(u.building)].filter(Boolean).join(' · ')}
                  </span>
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function describe(q: SearchQuery): string {
  const parts: string[] = [];
  if (q.q) parts.push(`“${q.q}”`);
  if (q.role) parts.push(ROLE_LABEL[q.role]?.toLowerCase() ?? q.role);
  if (q.grade) parts.push(`grade ${display().names.grade(q.grade)}`);
  if (q.building) parts.push(display().names.building(q.building));
  return parts.join(', ');
}

export interface SearchPageProps {
  user: SignedIn;
  path: string;
  query: SearchQuery;
  result: SearchResult | undefined;
  options: FilterOptions;
}

export function SearchPage({ user, path, query, result, options }: SearchPageProps) {
  return (
    <Layout title={query.q ? `Search: ${query.q}` : 'Search'} user={user} path={path}>
      <h1>Find a student or staff member</h1>
      <form class="panel search-form" method="get" action="/search" role="search" data-live-search>
        <div class="field q">
          <label for="q">Name or Local ID</label>
          <input type="search" id="q" name="q" value={query.q ?? ''} autocomplete="off" spellcheck={false} autofocus placeholder="e.g. Garcia, Maria G, S12345" />
        </div>
        <Field id="role" label="Role">
          <select id="role" name="role">
            <option value="">Everyone</option>
            <option value="student" selected={query.role === 'student'}>
              Students
            </option>
            <option value="staff" selected={query.role === 'staff'}>
              Staff
            </option>
          </select>
        </Field>
        <Field id="building" label="Building">
          <select id="building" name="building">
            <option value="">All buildings</option>
            {options.buildings.map((b) => (
              <option value={b} selected={query.building === b}>
                {withCode(display().names.building(b), b)}
              </option>
            ))}
          </select>
        </Field>
        <Field id="grade" label="Grade">
          <select id="grade" name="grade">
            <option value="">All grades</option>
            {options.grades.map((g) => (
              <option value={g} selected={query.grade === g}>
                {withCode(display().names.grade(g), g)}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" class="btn">
          Search
        </button>
      </form>
      <p id="search-status" class="visually-hidden" role="status" aria-live="polite"></p>
      <section id="results" aria-label="Search results">
        <SearchResults query={query} result={result} admin={user.role === 'admin'} />
      </section>
    </Layout>
  );
}
