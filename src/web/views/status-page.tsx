import type { SignedIn } from '../../domain/auth/auth.ts';
import type { SftpSessionInfo } from '../../domain/connections/sftp-sessions.ts';
import type { UserCounts } from '../../domain/users/status.ts';
import { Layout } from './layout.tsx';
import { AlertsPanel, type AlertItem } from './alerts-panel.tsx';
import { BackupsPanel, type ScheduledBackups } from './backups-panel.tsx';
import { formatBytes, formatCount, formatTime } from './format.ts';
import { display } from './display.ts';
import { ScrollTable } from './table.tsx';

export interface MissingPhotoRow {
  building: string;
  grade: string;
  users: number;
  without: number;
}

export interface StatusData {
  users: UserCounts;
  photos?: { current: number; unmatched: number; rejected: number } | undefined;
  missing?: MissingPhotoRow[] | undefined;
  /** Active staff and how many have no photo: counted apart from the students' table. */
  staffMissing?: { users: number; without: number } | undefined;
  lastImport?: { file: string; status: string; at: string; summary: string } | undefined;
  /** The newest `idphotos backup` (from the audit log), and whether it is over BACKUP_STALE_DAYS old. */
  lastBackup?: { at: string; actor: string; detail: string; stale: boolean } | undefined;
  /** [backup]: the schedule, the last run and the backups kept. */
  backups?: ScheduledBackups | undefined;
  /** Alerts raised now, and the channels that send them ("webhook", "mail"). */
  alerts?: { active: AlertItem[]; channels: string[] } | undefined;
  /** photos.retain_inactive_days and what its next daily pass would remove (the first 1,000 people). */
  retention?: { days: number; due: { local_id: string; deactivated_at: string; versions: number }[] } | undefined;
  /** SFTP connections signed in now, the oldest first. */
  sftpSessions: SftpSessionInfo[];
  webSessions: number;
  disk?: { free: number; total: number; database: number } | undefined;
  sftp: {
    host: string;
    port: number;
    accounts: { username: string; password: boolean; keys: number }[];
    hostKeys: { fingerprint: string; publicKey: string; winscp: string }[];
  };
}

const IMPORT_BADGE: Record<string, string> = { applied: 'on', held: 'warn', refused: 'bad' };

/** A backup older than this is flagged: nightly jobs that stopped are noticed within a week. */
export const BACKUP_STALE_DAYS = 7;

export function StatusPage({ user, path, data }: { user: SignedIn; path: string; data: StatusData }) {
  const s = data.sftp;
  const account = s.accounts[0]?.username ?? 'district';
  return (
    <Layout title="Status" user={user} path={path}>
      <h1>Status</h1>
      <div class="stats">
        <Stat label="Active students" value={formatCount(data.users.students)} />
        <Stat label="Active staff" value={formatCount(data.users.staff)} />
        <Stat label="Inactive users" value={formatCount(data.users.inactive)} />
        {data.photos && <Stat label="Current photos" value={formatCount(data.photos.current)} />}
        {data.photos && <Stat label="Unmatched photos" value={formatCount(data.photos.unmatched)} href="/admin/photos" />}
        <Stat label="SFTP sessions now" value={formatCount(data.sftpSessions.length)} />
        <Stat label="Web sessions" value={formatCount(data.webSessions)} />
        {data.disk && <Stat label="Disk free" value={formatBytes(data.disk.free)} note={`of ${formatBytes(data.disk.total)}; database ${formatBytes(data.disk.database)}`} />}
      </div>

      {data.alerts && <AlertsPanel alerts={data.alerts.active} channels={data.alerts.channels} />}

      <section class="panel">
        <h2>Last roster import</h2>
        {data.lastImport ? (
          <p>
            <strong>{data.lastImport.file}</strong> <span class={`badge ${IMPORT_BADGE[data.lastImport.status] ?? 'off'}`}>{data.lastImport.status}</span> {formatTime(data.lastImport.at)}: {data.lastImport.summary}{' '}
            <a href="/admin/imports">All imports</a>
          </p>
        ) : (
          <p class="muted">No roster file has been imported yet. Upload students.csv or staff.csv to /incoming/data/ over SFTP.</p>
        )}
      </section>

      <section class="panel">
        <h2>Last backup</h2>
        {data.lastBackup ? (
          <p>
            {formatTime(data.lastBackup.at)} by {data.lastBackup.actor} {data.lastBackup.stale && <span class="badge warn">over {BACKUP_STALE_DAYS} days old</span>}
            <br />
            <span class="small">{data.lastBackup.detail}</span>
          </p>
        ) : (
          <p class="muted">
            No backup has been taken with <code>idphotos backup</code>. A nightly one keeps photos and rosters safe from a failed disk (README: Backups).
          </p>
        )}
      </section>

      {data.backups && <BackupsPanel backups={data.backups} />}

      <section class="panel" id="retention">
        <h2>Photo retention</h2>
        {!data.retention ? (
          <p class="muted">
            Photos of inactive people are kept (<code>photos.retain_inactive_days = 0</code>). Set a number of days to purge leavers' photos and photo history after
            that long.
          </p>
        ) : data.retention.due.length === 0 ? (
          <p>Photos of people inactive longer than {data.retention.days} days are purged daily. The next purge would remove nothing.</p>
        ) : (
          <>
            <p>
              Photos of people inactive longer than {data.retention.days} days are purged daily. The next purge would remove the photos of{' '}
              <strong>
                {formatCount(data.retention.due.length)}
                {data.retention.due.length > 1000 ? '+' : ''} {data.retention.due.length === 1 ? 'person' : 'people'}
              </strong>{' '}
              ({formatCount(data.retention.due.reduce((n, d) => n + d.versions, 0))} photo versions):
            </p>
            <ul class="small">
              {data.retention.due.slice(0, 10).map((d) => (
                <li>
                  <a href={`/users/${encodeURIComponent(d.local_id)}`}>{d.local_id}</a>: inactive since {formatTime(d.deactivated_at)}, {d.versions} version
                  {d.versions === 1 ? '' : 's'}
                </li>
              ))}
              {data.retention.due.length > 10 && <li>… and {formatCount(data.retention.due.length - 10)} more</li>}
            </ul>
          </>
        )}
      </section>

      {data.missing && (
        <section class="panel">
          <h2>Active students without a photo</h2>
          {data.staffMissing && (
            <p>
              Staff:{' '}
              {data.staffMissing.without === 0 ? (
                `all ${formatCount(data.staffMissing.users)} active staff have a photo.`
              ) : (
                <>
                  <a href="/search?role=staff">{formatCount(data.staffMissing.without)}</a> of {formatCount(data.staffMissing.users)} active staff have no photo.
                </>
              )}
            </p>
          )}
          {data.missing.length === 0 ? (
            <p class="muted">Every active student has a photo.</p>
          ) : (
            <ScrollTable columns={['Building', 'Grade', { num: 'Without a photo' }, { num: 'Students' }]}>
              {data.missing.map((r) => (
                <tr>
                  <td>{r.building ? display().names.building(r.building) : '—'}</td>
                  <td>{r.grade ? display().names.grade(r.grade) : '—'}</td>
                  <td class="num">
                    <a href={`/search?${new URLSearchParams({ role: 'student', ...(r.building ? { building: r.building } : {}), ...(r.grade ? { grade: r.grade } : {}) })}`}>
                      {formatCount(r.without)}
                    </a>
                  </td>
                  <td class="num">{formatCount(r.users)}</td>
                </tr>
              ))}
            </ScrollTable>
          )}
        </section>
      )}

      <section class="panel">
        <h2>SFTP sessions now</h2>
        {data.sftpSessions.length === 0 ? (
          <p class="muted">No one is signed in over SFTP.</p>
        ) : (
          <ScrollTable columns={['Account', 'From', 'Signed in']}>
            {data.sftpSessions.map((s) => (
              <tr>
                <td class="mono">{s.account}</td>
                <td class="mono">{s.ip}</td>
                <td>{formatTime(s.since)}</td>
              </tr>
            ))}
          </ScrollTable>
        )}
      </section>

      <section class="panel">
        <h2>Connecting over SFTP</h2>
        <p>Give these to whoever sets up WinSCP, FileZilla or the SIS export script. Photos go to <code>/incoming/idphotos/</code>, roster CSV files to <code>/incoming/data/</code>.</p>
        <dl class="facts">
          <dt>Address</dt>
          <dd class="mono">{s.host}</dd>
          <dt>Port</dt>
          <dd class="mono">{s.port === 0 ? 'chosen at start (see the log)' : s.port}</dd>
          <dt>Accounts</dt>
          <dd>
            {s.accounts.map((a, i) => (
              <>
                {i > 0 && ', '}
                <span class="mono">{a.username}</span>
                <span class="muted small">
                  {' '}
                  ({[a.password && 'password', a.keys > 0 && `${a.keys} key${a.keys === 1 ? '' : 's'}`].filter(Boolean).join(' and ') || 'no way to sign in'})
                </span>
              </>
            ))}
          </dd>
        </dl>
        <h3>Host key fingerprints</h3>
        <p class="small muted">A client asks to confirm one of these on its first connection; it must match exactly.</p>
        <ul>
          {s.hostKeys.map((k) => (
            <li>
              <code>{k.fingerprint}</code> <span class="muted small">({k.publicKey.split(' ')[0]})</span>
            </li>
          ))}
        </ul>
        <h3>Examples</h3>
        <pre tabindex={0} role="region" aria-label="Connection examples">{`sftp ${s.port === 22 ? '' : `-P ${s.port} `}${account}@${s.host}
# WinSCP script:
open sftp://${account}@${s.host}:${s.port}/ -hostkey="${s.hostKeys[0]?.winscp ?? ''}"
put C:\\Photos\\*.jpg /incoming/idphotos/`}</pre>
        <p class="small muted">OpenSSH known_hosts line:</p>
        <pre tabindex={0} role="region" aria-label="OpenSSH known_hosts line">{s.hostKeys.map((k) => `[${s.host}]:${s.port} ${k.publicKey}`).join('\n')}</pre>
      </section>
    </Layout>
  );
}

function Stat({ label, value, note, href }: { label: string; value: string; note?: string; href?: string }) {
  return (
    <div class="stat">
      <span class="value">{href ? <a href={href}>{value}</a> : value}</span>
      <span class="label">{label}</span>
      {note && <span class="label small"> {note}</span>}
    </div>
  );
}
