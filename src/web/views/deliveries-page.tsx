import type { SignedIn } from '../../domain/auth/auth.ts';
import type { DeliveryDetail, DeliveryService } from '../../domain/deliveries/deliveries.ts';
import type { Candidate } from '../../domain/deliveries/match.ts';
import { formatTime } from './format.ts';
import { CsrfField, Layout } from './layout.tsx';
import { Notice } from './notice.tsx';
import { ScrollTable } from './table.tsx';
import { BackLink } from './back-link.tsx';

const STATUS_BADGE: Record<string, string> = { done: 'on', applying: 'warn', refused: 'bad', duplicate: 'off' };
const STATUS_TEXT: Record<string, string> = { done: 'done', applying: 'storing photos', refused: 'refused', duplicate: 'sent before' };

type Listed = ReturnType<DeliveryService['list']>[number];
type Waiting = ReturnType<DeliveryService['waiting']>[number];

/** `/admin/deliveries`: every delivery received, newest first. */
export function DeliveriesPage({ user, path, deliveries }: { user: SignedIn; path: string; deliveries: Listed[] }) {
  return (
    <Layout title="Deliveries" user={user} path={path}>
      <h1>Vendor deliveries</h1>
      <p class="muted">
        Picture-day packages uploaded to <code>/incoming/idphotos/</code> as a zip with a PSPA <code>INDEX.TXT</code> or a Destiny <code>idlink.txt</code>.
      </p>
      {deliveries.length === 0 ? (
        <p>No deliveries yet.</p>
      ) : (
        <ScrollTable columns={['Delivery', 'Received', 'From', 'Status', 'Matched', 'Waiting', 'Refused']}>
          {deliveries.map((d) => (
            <tr>
              <td>
                <a href={`/admin/deliveries/${d.id}`}>
                  {d.id}: {d.file_name}
                </a>
              </td>
              <td>{formatTime(d.received_at)}</td>
              <td>{d.account}</td>
              <td>
                <span class={`badge ${STATUS_BADGE[d.status] ?? 'off'}`}>{STATUS_TEXT[d.status] ?? d.status}</span> {d.reason}
              </td>
              <td class="num">{d.counts.matched + d.counts.assigned}</td>
              <td class="num">{d.counts.waiting}</td>
              <td class="num">{d.counts.refused}</td>
            </tr>
          ))}
        </ScrollTable>
      )}
    </Layout>
  );
}

/** `/admin/deliveries/:id`: matched, waiting and refused lines, each with its reason. */
export function DeliveryPage({ user, path, detail, notice }: { user: SignedIn; path: string; detail: DeliveryDetail; notice?: string | undefined }) {
  const { delivery: d, counts, items } = detail;
  const section = (title: string, statuses: string[]) => {
    const list = items.filter((i) => statuses.includes(i.status));
    return (
      <section class="panel" id={statuses[0]}>
        <h2>
          {title} ({list.length})
        </h2>
        {list.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <ScrollTable columns={[{ num: 'Line' }, 'Image', 'In the index', 'Local ID', 'Why']}>
            {list.map((i) => (
              <tr>
                <td class="num">{i.line || '—'}</td>
                <td class="mono">{i.image}</td>
                <td>{[i.student_id && `ID ${i.student_id}`, [i.first_name, i.last_name].filter(Boolean).join(' '), i.grade && `grade ${i.grade}`].filter(Boolean).join(' · ')}</td>
                <td class="mono">{i.local_id ? <a href={`/users/${encodeURIComponent(i.local_id)}`}>{i.local_id}</a> : '—'}</td>
                <td>{i.reason}</td>
              </tr>
            ))}
          </ScrollTable>
        )}
      </section>
    );
  };
  return (
    <Layout title={`Delivery ${d.id}: ${d.file_name}`} user={user} path={path}>
      <BackLink href="/admin/deliveries" text="All deliveries" />
      <h1>
        {d.file_name} <span class={`badge ${STATUS_BADGE[d.status] ?? 'off'}`}>{STATUS_TEXT[d.status] ?? d.status}</span>
      </h1>
      <Notice text={notice} />
      <section class="panel">
        <dl class="facts">
          <dt>Received</dt>
          <dd>
            {formatTime(d.received_at)} <span class="muted">from {d.account}{d.remote_address && ` (${d.remote_address})`}</span>
          </dd>
          <dt>Index</dt>
          <dd>{d.kind === 'pspa' ? `PSPA INDEX.TXT (${d.encoding})` : d.kind === 'idlink' ? `Destiny idlink.txt (${d.encoding})` : '—'}</dd>
          <dt>Result</dt>
          <dd>
            {counts.matched} matched, {counts.assigned} assigned by an admin, {counts.waiting} waiting, {counts.refused} refused, {counts.discarded} discarded
          </dd>
          {d.reason && (
            <>
              <dt>Reason</dt>
              <dd>{d.reason}</dd>
            </>
          )}
        </dl>
        <p>
          <a class="btn secondary small" href={`/admin/deliveries/${d.id}/report.csv`} download>
            Download the delivery report (CSV)
          </a>
        </p>
      </section>
      {counts.waiting > 0 && (
        <section class="panel">
          <h2>Waiting for you ({counts.waiting})</h2>
          <WaitingTable user={user} items={items.filter((i) => i.status === 'waiting').map((i) => ({ ...i, file_name: d.file_name }))} back={`/admin/deliveries/${d.id}`} />
        </section>
      )}
      {section('Matched and stored', ['matched', 'assigned'])}
      {section('Refused', ['refused'])}
      {section('Discarded', ['discarded'])}
    </Layout>
  );
}

/** Lines waiting for an admin: the image, why it waits, the people it could be, and a pick. */
export function WaitingTable({ user, items, back }: { user: SignedIn; items: (Pick<Waiting, 'delivery_id' | 'n' | 'line' | 'image' | 'first_name' | 'last_name' | 'grade' | 'student_id' | 'reason' | 'file_name'> & { candidateList: Candidate[] })[]; back: string }) {
  if (items.length === 0) return <p>Nothing waits.</p>;
  return (
    <ScrollTable columns={['Photo', 'Delivery line', 'Why it waits', 'Whose photo is it?']}>
      {items.map((i) => {
        const base = `/admin/deliveries/${i.delivery_id}/items/${i.n}`;
        const label = [i.first_name, i.last_name].filter(Boolean).join(' ') || i.student_id || i.image;
        return (
          <tr>
            <td>
              <img src={`${base}/image`} alt={`Delivered photo: ${label}`} width={72} loading="lazy" />
            </td>
            <td>
              <a href={`/admin/deliveries/${i.delivery_id}`}>{i.file_name}</a> line {i.line}
              <br />
              <span class="mono small">{i.image}</span>
              <br />
              {[i.student_id && `ID ${i.student_id}`, label !== i.student_id && label, i.grade && `grade ${i.grade}`].filter(Boolean).join(' · ')}
            </td>
            <td>{i.reason}</td>
            <td>
              <form method="post" action={`${base}/assign`} class="pick">
                <CsrfField user={user} />
                <input type="hidden" name="back" value={back} />
                {i.candidateList.map((c) => (
                  <label class="small block">
                    <input type="radio" name="local_id" value={c.local_id} /> {c.name} ({c.local_id}
                    {c.grade && `, grade ${c.grade}`})
                  </label>
                ))}
                <label class="small block">
                  Local ID <input type="text" name="other_local_id" size={10} />
                </label>
                <button type="submit" class="btn small">
                  Use as this person's photo
                </button>
              </form>
              <form method="post" action={`${base}/discard`}>
                <CsrfField user={user} />
                <input type="hidden" name="back" value={back} />
                <button type="submit" class="btn secondary small">
                  Discard
                </button>
              </form>
            </td>
          </tr>
        );
      })}
    </ScrollTable>
  );
}
