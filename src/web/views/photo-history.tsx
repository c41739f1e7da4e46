import type { SignedIn } from '../../domain/auth/auth.ts';
import type { VersionSummary } from '../../domain/photos/history.ts';
import type { UploadsNotShown } from '../../domain/photos/review.ts';
import { CsrfField } from './layout.tsx';
import { formatBytes, formatTime } from './format.ts';
import { ScrollTable } from './table.tsx';

/**
 * Admin part of a profile: the kept versions of the photo, newest first, with restore, and the
 * uploads meant for this person that are not its photo (the answer to "why is this photo old?").
 */
export function PhotoHistorySection({ viewer, localId, versions, notShown }: { viewer: SignedIn; localId: string; versions: VersionSummary[]; notShown: UploadsNotShown }) {
  return (
    <section class="panel">
      <h2>Photo history</h2>
      {versions.length === 0 ? (
        <p class="muted">This person has no photo yet. Upload {localId}.jpg to /incoming/idphotos/.</p>
      ) : (
        <ScrollTable label="Photo history" columns={['Version', 'Uploaded', 'File', 'By', { num: 'Size' }, { hidden: 'Action' }]}>
          {versions.map((v) => (
            <tr>
              <td>
                <img
                  src={`/photos/${encodeURIComponent(localId)}?size=thumb&version=${v.version_id}`}
                  alt={`Version from ${formatTime(v.uploaded_at)}`}
                  width={48}
                  height={48}
                  loading="lazy"
                />
              </td>
              <td>{formatTime(v.uploaded_at)}</td>
              <td class="mono">{v.file_name}</td>
              <td>{v.account}</td>
              <td class="num">
                {v.width}×{v.height}, {formatBytes(v.bytes)}
              </td>
              <td>
                {v.current ? (
                  <span class="badge on">Current</span>
                ) : (
                  <form method="post" action={`/users/${encodeURIComponent(localId)}/photo/restore`} class="inline-form">
                    <CsrfField user={viewer} />
                    <input type="hidden" name="version_id" value={String(v.version_id)} />
                    <button type="submit" class="btn small secondary">
                      Restore this version
                    </button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </ScrollTable>
      )}
      <UploadsNotShownList localId={localId} notShown={notShown} />
    </section>
  );
}

function UploadsNotShownList({ localId, notShown }: { localId: string; notShown: UploadsNotShown }) {
  const { refused, nearMisses } = notShown;
  if (refused.length === 0 && nearMisses.length === 0) return null;
  return (
    <>
      <h3>Uploads that are not this photo</h3>
      <ul>
        {refused.map((r) => (
          <li>
            {formatTime(r.time)}: <span class="mono">{r.file_name}</span> from {r.account} was refused: {r.reason}
          </li>
        ))}
        {nearMisses.map((p) => (
          <li>
            {formatTime(p.time)}: <span class="mono">{p.file_name}</span> from {p.account} is kept unmatched (
            {p.hints.find((h) => h.local_id === localId)?.why}): if it is this person's, upload it again as {localId}
            {p.file_name.slice(p.file_name.lastIndexOf('.'))}.
          </li>
        ))}
      </ul>
      <p class="small muted">
        All refused and unmatched uploads: <a href="/admin/photos">Photos</a>.
      </p>
    </>
  );
}
