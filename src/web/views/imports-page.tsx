import type { SignedIn } from '../../domain/auth/auth.ts';
import type { ImportDetail } from '../../domain/roster/service.ts';
import { fieldLabel } from '../../domain/roster/types.ts';
import { display } from './display.ts';
import { CHANGE_KINDS } from '../../domain/roster/changes.ts';
import { describeFields, type ChangePage } from '../../domain/roster/change-report.ts';
import { CsrfField, Layout } from './layout.tsx';
import { formatCount, formatTime } from './format.ts';
import { Notice } from './notice.tsx';
import { ScrollTable } from './table.tsx';
import { BackLink } from './back-link.tsx';

const STATUS_BADGE: Record<string, string> = { applied: 'on', held: 'warn', refused: 'bad', discarded: 'off', skipped: 'off', in_progress: 'warn' };

function StatusBadge({ status }: { status: string }) {
  return <span class={`badge ${STATUS_BADGE[status] ?? 'off'}`}>{status.replace('_', ' ')}</span>;
}

/** The counts of an import; for one that changed nothing, what it would have done. */
function changes(i: ImportDetail): string {
  const done = counts(i);
  if (i.status === 'applied') return done;
  if (i.status === 'held') return done === 'no changes' ? done : `would make: ${done}`;
  return done === 'no changes' ? 'nothing changed' : `nothing changed (would have made: ${done})`;
}

function counts(i: ImportDetail): string {
  const parts = [
    i.added && `${formatCount(i.added)} added`,
    i.updated && `${formatCount(i.updated)} updated`,
    i.deactivated && `${formatCount(i.deactivated)} deactivated`,
    i.reactivated && `${formatCount(i.reactivated)} reactivated`,
    i.unchanged && `${formatCount(i.unchanged)} unchanged`,
    i.photos_linked && `${formatCount(i.photos_linked)} waiting photos linked`,
    i.opted_out && `${formatCount(i.opted_out)} opted out of directory photos (photo withheld)`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'no changes';
}

function HeldActions({ user, imp }: { user: SignedIn; imp: ImportDetail }) {
  return (
    <div class="actions">
      <form method="post" action={`/admin/imports/${imp.id}/approve`} class="inline-form">
        <CsrfField user={user} />
        <button type="submit" class="btn small">
          Approve and apply
        </button>
      </form>
      <form method="post" action={`/admin/imports/${imp.id}/discard`} class="inline-form">
        <CsrfField user={user} />
        <button type="submit" class="btn small danger">
          Discard
        </button>
      </form>
    </div>
  );
}

export function ImportsPage({ user, path, imports }: { user: SignedIn; path: string; imports: ImportDetail[] }) {
  const held = imports.filter((i) => i.status === 'held');
  return (
    <Layout title="Imports" user={user} path={path}>
      <h1>Roster imports</h1>
      {held.length > 0 && (
        <section class="panel">
          <h2>Waiting for a decision</h2>
          <p class="muted">These files would change more than the limits in appliance.toml allow, so nothing was applied. Check the numbers, then approve or discard.</p>
          <ScrollTable columns={['File', 'Received', 'Why it is held', 'Would do', 'Decision']}>
            {held.map((i) => (
              <tr>
                <td>
                  <a href={`/admin/imports/${i.id}`}>{i.file}</a>
                </td>
                <td>{formatTime(i.received_at)}</td>
                <td>{i.reason}</td>
                <td>{changes(i)}</td>
                <td>
                  <HeldActions user={user} imp={i} />
                </td>
              </tr>
            ))}
          </ScrollTable>
        </section>
      )}
      <section>
        <h2>History</h2>
        {imports.length === 0 ? (
          <p class="muted">No roster file has arrived yet. Upload students.csv or staff.csv to /incoming/data/ over SFTP.</p>
        ) : (
          <ScrollTable columns={['#', 'File', 'Received', 'Status', 'Result', { num: 'Errors' }]}>
            {imports.map((i) => (
              <tr>
                <td class="num">{i.id}</td>
                <td>
                  <a href={`/admin/imports/${i.id}`}>{i.file}</a>
                  <span class="muted small"> {i.origin}</span>
                </td>
                <td>{formatTime(i.received_at)}</td>
                <td>
                  <StatusBadge status={i.status} />
                </td>
                <td>
                  {changes(i)}
                  {i.reason && <div class="small muted">{i.reason}</div>}
                </td>
                <td class="num">{i.error_count ? <a href={`/admin/imports/${i.id}#errors`}>{formatCount(i.error_count)}</a> : '0'}</td>
              </tr>
            ))}
          </ScrollTable>
        )}
      </section>
    </Layout>
  );
}

export function ImportDetailPage({ user, path, imp, people, notice }: { user: SignedIn; path: string; imp: ImportDetail; people: ChangePage; notice?: string | undefined }) {
  return (
    <Layout title={`Import ${imp.id}: ${imp.file}`} user={user} path={path}>
      <BackLink href="/admin/imports" text="All imports" />
      <h1>
        {imp.file} <StatusBadge status={imp.status} />
      </h1>
      <Notice text={notice} />
      <section class="panel">
        <dl class="facts">
          <dt>Received</dt>
          <dd>
            {formatTime(imp.received_at)} <span class="muted">({imp.origin})</span>
          </dd>
          <dt>Kind</dt>
          <dd>
            {imp.kind}
            {imp.format && ` · ${imp.format}`}
            {imp.encoding && ` · ${imp.encoding}`}
          </dd>
          {imp.layout && (
            <>
              <dt>Layout</dt>
              <dd>{imp.layout}</dd>
            </>
          )}
          <dt>Rows</dt>
          <dd>{formatCount(imp.rows)}</dd>
          {imp.ignored_reasons.length > 0 && (
            <>
              <dt>Not imported</dt>
              <dd>
                <ul>
                  {imp.ignored_reasons.map((r) => (
                    <li>
                      {formatCount(r.count)}: {r.reason}
                    </li>
                  ))}
                </ul>
              </dd>
            </>
          )}
          <dt>Result</dt>
          <dd>{changes(imp)}</dd>
          {imp.reason && (
            <>
              <dt>Reason</dt>
              <dd>{imp.reason}</dd>
            </>
          )}
          {imp.decided_at && (
            <>
              <dt>Decided</dt>
              <dd>
                {formatTime(imp.decided_at)} by {imp.decided_by}
              </dd>
            </>
          )}
        </dl>
        {imp.status === 'held' && <HeldActions user={user} imp={imp} />}
      </section>
      <PeoplePanel imp={imp} people={people} />
      {(imp.columns_used.length > 0 || imp.columns_ignored.length > 0) && <ColumnsPanel imp={imp} />}
      <section class="panel" id="errors">
        <h2>Errors by line ({formatCount(imp.error_count)})</h2>
        {imp.errors.length === 0 ? (
          <p class="muted">No line had a problem.</p>
        ) : (
          <>
            <p>
              <a class="btn secondary small" href={`/admin/imports/${imp.id}/errors.csv`} download>
                Download the error report (CSV)
              </a>
            </p>
            <ScrollTable columns={[{ num: 'Line' }, 'Local ID', 'Problem']}>
              {imp.errors.map((e) => (
                <tr>
                  <td class="num">{e.line}</td>
                  <td class="mono">{e.local_id}</td>
                  <td>{e.message}</td>
                </tr>
              ))}
            </ScrollTable>
          </>
        )}
      </section>
    </Layout>
  );
}

/** Which columns of the file were read, into what, and which were not: "did it see Email_Addr?" */
function ColumnsPanel({ imp }: { imp: ImportDetail }) {
  return (
    <section class="panel" id="columns">
      <h2>Columns</h2>
      {imp.columns_used.length > 0 && (
        <ScrollTable columns={['Column used', 'Fills']}>
          {imp.columns_used.map((u) => (
            <tr>
              <td class="mono">{u.column}</td>
              <td>{fieldLabel(u.field)}</td>
            </tr>
          ))}
        </ScrollTable>
      )}
      <p>
        <strong>Columns ignored:</strong> {imp.columns_ignored.length ? imp.columns_ignored.join(', ') : 'none'}
      </p>
    </section>
  );
}

const KIND_LABEL = { added: 'Added', changed: 'Changed', deactivated: 'Deactivated', reactivated: 'Reactivated' } as const;

/** Who the import added, changed, deactivated or reactivated: one page of one kind, with the CSV of them all. */
function PeoplePanel({ imp, people }: { imp: ImportDetail; people: ChangePage }) {
  const base = `/admin/imports/${imp.id}`;
  const link = (kind: string | null, page = 1) => `${base}?${new URLSearchParams({ ...(kind ? { kind } : {}), ...(page > 1 ? { page: String(page) } : {}) })}#people`;
  const all = CHANGE_KINDS.reduce((n, k) => n + people.counts[k], 0);
  return (
    <section class="panel" id="people">
      <h2>People</h2>
      {people.note && <p class={imp.status === 'held' ? 'alert warn' : 'muted'}>{people.note[0]!.toUpperCase() + people.note.slice(1)}.</p>}
      {all === 0 ? (
        <p class="muted">Nobody is added, changed, deactivated or reactivated by this import.</p>
      ) : (
        <>
          <nav aria-label="Kind of change">
            <ul class="tabs">
              <li>
                <a href={link(null)} aria-current={people.kind === null ? 'page' : undefined}>
                  All ({formatCount(all)})
                </a>
              </li>
              {CHANGE_KINDS.filter((k) => people.counts[k] > 0).map((k) => (
                <li>
                  <a href={link(k)} aria-current={people.kind === k ? 'page' : undefined}>
                    {KIND_LABEL[k]} ({formatCount(people.counts[k])})
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <p>
            <a class="btn secondary small" href={`${base}/changes.csv${people.kind ? `?kind=${people.kind}` : ''}`} download>
              Download {people.kind ? KIND_LABEL[people.kind].toLowerCase() : 'everyone'} (CSV)
            </a>
          </p>
          <ScrollTable label="People this import changes" columns={['Change', 'Local ID', 'Name', 'Grade', 'Building', 'Fields changed']}>
            {people.changes.map((p) => (
              <tr>
                <td>{p.kind}</td>
                <td class="mono">
                  <a href={`/users/${encodeURIComponent(p.local_id)}`}>{p.local_id}</a>
                </td>
                <td>{p.name}</td>
                <td>{display().names.grade(p.grade)}</td>
                <td>{display().names.building(p.building)}</td>
                <td>{describeFields(p)}</td>
              </tr>
            ))}
          </ScrollTable>
          {people.pages > 1 && (
            <nav aria-label="Pages" class="pager">
              {people.page > 1 && <a href={link(people.kind, people.page - 1)}>← Previous</a>}
              <span>
                Page {people.page} of {people.pages}
              </span>
              {people.page < people.pages && <a href={link(people.kind, people.page + 1)}>Next →</a>}
            </nav>
          )}
        </>
      )}
    </section>
  );
}
