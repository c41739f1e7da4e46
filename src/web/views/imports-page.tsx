import type { SignedIn } from '../../domain/auth/auth.ts';
import type { ImportDetail } from '../../domain/roster/service.ts';
import { CsrfField, Layout } from './layout.tsx';
import { formatCount, formatTime } from './format.ts';

const STATUS_BADGE: Record<string, string> = { applied: 'on', held: 'warn', refused: 'bad', discarded: 'off', skipped: 'off' };

function StatusBadge({ status }: { status: string }) {
  return <span class={`badge ${STATUS_BADGE[status] ?? 'off'}`}>{status}</span>;
}

function changes(i: ImportDetail): string {
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
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Received</th>
                  <th scope="col">Why it is held</th>
                  <th scope="col">Would do</th>
                  <th scope="col">Decision</th>
                </tr>
              </thead>
              <tbody>
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
              </tbody>
            </table>
          </div>
        </section>
      )}
      <section>
        <h2>History</h2>
        {imports.length === 0 ? (
          <p class="muted">No roster file has arrived yet. Upload students.csv or staff.csv to /incoming/data/ over SFTP.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">File</th>
                  <th scope="col">Received</th>
                  <th scope="col">Status</th>
                  <th scope="col">Result</th>
                  <th scope="col" class="num">
                    Errors
                  </th>
                </tr>
              </thead>
              <tbody>
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
              </tbody>
            </table>
          </div>
        )}
      </section>
    </Layout>
  );
}

export function ImportDetailPage({ user, path, imp, notice }: { user: SignedIn; path: string; imp: ImportDetail; notice?: string | undefined }) {
  return (
    <Layout title={`Import ${imp.id}: ${imp.file}`} user={user} path={path}>
      <p class="small">
        <a href="/admin/imports">← All imports</a>
      </p>
      <h1>
        {imp.file} <StatusBadge status={imp.status} />
      </h1>
      {notice && (
        <p class="alert ok" role="status">
          {notice}
        </p>
      )}
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
          <dt>Rows</dt>
          <dd>{formatCount(imp.rows)}</dd>
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
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col" class="num">
                      Line
                    </th>
                    <th scope="col">Local ID</th>
                    <th scope="col">Problem</th>
                  </tr>
                </thead>
                <tbody>
                  {imp.errors.map((e) => (
                    <tr>
                      <td class="num">{e.line}</td>
                      <td class="mono">{e.local_id}</td>
                      <td>{e.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
    </Layout>
  );
}
