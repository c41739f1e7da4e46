import { formatTime } from './format.ts';

export interface ScheduledBackups {
  dir: string;
  schedule: string;
  keep: number;
  next: string | undefined;
  last: { ok: boolean; due: string; ended: string; dest: string; message: string } | undefined;
  kept: { name: string; at: string }[];
}

/** [backup] on the status page: when the next one is due, how the last one went, the ones kept. */
export function BackupsPanel({ backups: b }: { backups: ScheduledBackups }) {
  return (
    <section class="panel">
      <h2>Scheduled backups</h2>
      {!b.schedule ? (
        <p class="muted">
          None scheduled. Set <code>[backup] dir</code> and <code>schedule</code> (e.g. <code>"02:30"</code>) to have the appliance take one every day (README: Backups).
        </p>
      ) : (
        <>
          <p>
            Daily at <strong>{b.schedule}</strong> (server time) into <code>{b.dir}</code>, the newest {b.keep} kept. Next: {b.next ? formatTime(b.next) : '—'}.
          </p>
          {b.last &&
            (b.last.ok ? (
              <p>
                <span class="badge on">ok</span> The last one, due {formatTime(b.last.due)}: <span class="small">{b.last.message}</span>
              </p>
            ) : (
              <p>
                <span class="badge bad">failed</span> The last one, due {formatTime(b.last.due)}, failed: {b.last.message}
              </p>
            ))}
          {b.kept.length === 0 ? (
            <p class="muted">No scheduled backup has been taken yet.</p>
          ) : (
            <ul>
              {b.kept.map((k) => (
                <li>
                  <code>{k.name}</code> <span class="small muted">{formatTime(k.at)}</span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
