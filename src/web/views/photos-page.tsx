import type { SignedIn } from '../../domain/auth/auth.ts';
import type { RejectedItem, UnmatchedItem } from '../../domain/photos/review.ts';
import type { RecentPhoto } from '../../domain/users/status.ts';
import { CsrfField, Layout } from './layout.tsx';
import { formatBytes, formatTime } from './format.ts';
import { photoUrl } from './search-page.tsx';
import { WaitingTable } from './deliveries-page.tsx';
import type { DeliveryService } from '../../domain/deliveries/deliveries.ts';
import { Notice } from './notice.tsx';
import { ScrollTable } from './table.tsx';

export interface PhotosPageProps {
  user: SignedIn;
  path: string;
  unmatched: UnmatchedItem[];
  rejected: RejectedItem[];
  recent: RecentPhoto[];
  /** Lines of vendor deliveries that matched no one, or more than one person. */
  waiting: ReturnType<DeliveryService['waiting']>;
  notice?: string | undefined;
}

export function PhotosPage({ user, path, unmatched, rejected, recent, waiting, notice }: PhotosPageProps) {
  return (
    <Layout title="Photos" user={user} path={path}>
      <h1>Photos</h1>
      <Notice text={notice} />
      <section class="panel" id="waiting">
        <h2>Waiting from vendor deliveries ({waiting.length})</h2>
        <p class="muted">
          Picture-day photos whose index line matched no one in the roster, or more than one person. Pick who it is, or discard it. See{' '}
          <a href="/admin/deliveries">all deliveries</a>.
        </p>
        <WaitingTable user={user} items={waiting} back="/admin/photos" />
      </section>
      <section class="panel">
        <h2>Unmatched ({unmatched.length})</h2>
        <p class="muted">
          Photos whose file name is no user's Local ID. They are kept and link by themselves when a roster import brings that Local ID. If a hint is right,
          use the photo for that person (recorded in the audit log; earlier photos stay in the history), or dismiss the hint.
        </p>
        {unmatched.length === 0 ? (
          <p>Every photo belongs to a user.</p>
        ) : (
          <ScrollTable columns={['Photo', 'File', 'Arrived', 'From', 'Why, and hints']}>
            {unmatched.map((p) => (
              <tr>
                <td>
                  <img src={photoUrl(p.local_id, 'thumb')} alt={`Unmatched photo ${p.file_name}`} width={48} height={48} loading="lazy" />
                </td>
                <td class="mono">{p.file_name}</td>
                <td>{formatTime(p.time)}</td>
                <td>{p.account}</td>
                <td>
                  {p.reason}
                  {p.hints.length > 0 && (
                    <ul class="small">
                      {p.hints.map((h) => (
                        // NB: the reason already asks "did you mean …?"; the list says why, with a link to each candidate.
                        <li>
                          {h.local_id && <a href={`/users/${encodeURIComponent(h.local_id)}`}>{h.local_id}</a>}
                          {h.local_id ? `: ${h.why}` : h.why}
                          {h.local_id && <HintActions user={user} file={p.file_name} localId={h.local_id} />}
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </ScrollTable>
        )}
      </section>
      <section class="panel">
        <h2>Refused uploads ({rejected.length})</h2>
        {rejected.length === 0 ? (
          <p>No upload has been refused.</p>
        ) : (
          <ScrollTable label="Refused uploads" columns={['When', 'File', 'From', { num: 'Size' }, 'Reason']}>
            {rejected.map((r) => (
              <tr>
                <td>{formatTime(r.time)}</td>
                <td class="mono">{r.file_name}</td>
                <td>
                  {r.account} <span class="muted small mono">{r.remote_address}</span>
                </td>
                <td class="num">{formatBytes(r.bytes)}</td>
                <td>{r.reason}</td>
              </tr>
            ))}
          </ScrollTable>
        )}
      </section>
      <section class="panel">
        <h2>Recent uploads</h2>
        {recent.length === 0 ? (
          <p class="muted">No photo yet. Upload files named by Local ID (S12345.jpg) to /incoming/idphotos/ over SFTP.</p>
        ) : (
          <ScrollTable columns={['Photo', 'Person', 'File', 'Current since', 'From', { num: 'Size' }]}>
            {recent.map((p) => {
              const name = p.first_name !== null ? `${p.first_name} ${p.last_name}` : undefined;
              return (
                <tr>
                  <td>
                    <img src={photoUrl(p.local_id, 'thumb')} alt={name ?? `Unmatched photo ${p.file_name}`} width={48} height={48} loading="lazy" />
                  </td>
                  <td>{name ? <a href={`/users/${encodeURIComponent(p.local_id)}`}>{name}</a> : <span class="badge warn">unmatched</span>}</td>
                  <td class="mono">{p.file_name}</td>
                  <td>{formatTime(p.updated_at)}</td>
                  <td>{p.account}</td>
                  <td class="num">
                    {p.width}×{p.height}, {formatBytes(p.bytes)}
                  </td>
                </tr>
              );
            })}
          </ScrollTable>
        )}
      </section>
    </Layout>
  );
}

/** Use the unmatched photo for the suggested person, or stop suggesting them. */
function HintActions({ user, file, localId }: { user: SignedIn; file: string; localId: string }) {
  return (
    <span class="actions">
      {(['apply', 'dismiss'] as const).map((action) => (
        <form method="post" action={`/admin/photos/hints/${action}`} class="inline-form">
          <CsrfField user={user} />
          <input type="hidden" name="file" value={file} />
          <input type="hidden" name="local_id" value={localId} />
          <button type="submit" class={`btn small${action === 'dismiss' ? ' secondary' : ''}`}>
            {action === 'apply' ? `Use as ${localId}'s photo` : 'Dismiss'}
          </button>
        </form>
      ))}
    </span>
  );
}
