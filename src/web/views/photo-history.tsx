import type { SignedIn } from '../../domain/auth/auth.ts';
import type { VersionSummary } from '../../domain/photos/history.ts';
import { CsrfField } from './layout.tsx';
import { formatBytes, formatTime } from './format.ts';

/** Admin part of a profile: the kept versions of the photo, newest first, with restore. */
export function PhotoHistorySection({ viewer, localId, versions }: { viewer: SignedIn; localId: string; versions: VersionSummary[] }) {
  return (
    <section class="panel">
      <h2>Photo history</h2>
      {versions.length === 0 ? (
        <p class="muted">No photo has been uploaded for this person. Upload {localId}.jpg to /incoming/idphotos/.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Uploaded</th>
                <th scope="col">File</th>
                <th scope="col">By</th>
                <th scope="col" class="num">
                  Size
                </th>
                <th scope="col">
                  <span class="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
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
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
