import { formatTime } from './format.ts';

export interface AlertItem {
  cause: string;
  title: string;
  detail: string;
  raised_at: string;
}

/** The alerts raised now (the same ones the webhook and mail were sent), on the status page. */
export function AlertsPanel({ alerts, channels }: { alerts: AlertItem[]; channels: string[] }) {
  return (
    <section class="panel">
      <h2>Alerts</h2>
      {alerts.length === 0 ? (
        <p class="muted">No alerts: no held import, refusals under the hourly threshold, disk space, backups and photo rendering in order.</p>
      ) : (
        <ul>
          {alerts.map((a) => (
            <li>
              <span class="badge warn">alert</span> <strong>{a.title}</strong> <span class="small muted">since {formatTime(a.raised_at)}</span>
              <br />
              <span class="small">{a.detail}</span>
            </li>
          ))}
        </ul>
      )}
      <p class="small muted">{channels.length ? `Each alert and its resolution are sent by ${channels.join(' and ')}.` : 'Alerts are only shown here and logged: set [alerts] webhook_url or smtp_url to have them sent.'}</p>
    </section>
  );
}
