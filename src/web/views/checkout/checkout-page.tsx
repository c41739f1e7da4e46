import type { Child, FC } from 'hono/jsx';
import type { SignedIn } from '../../../domain/auth/auth.ts';
import type { DeviceRow } from '../../../domain/devices/devices.ts';
import type { PersonRow } from '../../../domain/devices/people.ts';
import { CsrfField, Layout } from '../layout.tsx';
import { photoUrl } from '../search-page.tsx';
import { WithheldBadge } from '../withheld.tsx';
import { deviceHref, FeatureAssets, personName, StatusBadge } from './common.tsx';
import { display } from '../display.ts';
import { Field } from '../field.tsx';

export type CheckoutMode = 'out' | 'in';

/** Where the desk is in one transaction; each step is one page (or one swapped panel). */
export type CheckoutStep =
  | { step: 'device'; error?: string | undefined; done?: Done | undefined; checkIn?: string | undefined }
  | { step: 'user'; device: DeviceRow; error?: string | undefined; suggestions?: { local_id: string; why: string }[] | undefined }
  | { step: 'confirm'; device: DeviceRow; person: PersonRow | undefined; localId: string; alsoHolds?: DeviceRow[] | undefined };

/** The transaction just recorded, shown above the empty device field. */
export interface Done {
  device: DeviceRow;
  localId: string;
  person: PersonRow | undefined;
}

export interface CheckoutPageProps {
  user: SignedIn;
  mode: CheckoutMode;
  state: CheckoutStep;
}

const base = (mode: CheckoutMode): string => `/checkout?mode=${mode}`;

/**
 * Rapid check-out and check-in. Every step is a plain form whose next field has autofocus, so
 * the flow works by keyboard alone and with barcode scanners that type and press Enter, with
 * or without JavaScript. The panel `#checkout` is what the script swaps between steps.
 */
export const CheckoutPage: FC<CheckoutPageProps> = ({ user, mode, state }) => (
  <Layout title={mode === 'out' ? 'Check-out' : 'Check-in'} user={user} path="/checkout">
    <FeatureAssets script />
    <h1>Rapid check-out</h1>
    <ul class="modes">
      <li>
        <a href={base('out')} aria-current={mode === 'out' ? 'page' : undefined}>
          Check out
        </a>
      </li>
      <li>
        <a href={base('in')} aria-current={mode === 'in' ? 'page' : undefined}>
          Check in
        </a>
      </li>
    </ul>
    <section id="checkout" class="panel">
      <Step user={user} mode={mode} state={state} />
    </section>
  </Layout>
);

const Step: FC<CheckoutPageProps> = ({ user, mode, state }) => {
  switch (state.step) {
    case 'device':
      return (
        <>
          {state.done && <DoneNotice mode={mode} done={state.done} />}
          <form method="get" action="/checkout" class="scan">
            <input type="hidden" name="mode" value={mode} />
            <ScanField name="device" label={mode === 'out' ? 'Device to check out' : 'Device to check in'} invalid={Boolean(state.error)} />
          </form>
          <p class="hint" id="device-hint">
            Scan the barcode or type the asset tag or serial number, then press <kbd>Enter</kbd>.
            {state.error && (
              <>
                {' '}
                <Restart mode={mode} />
              </>
            )}
          </p>
          {state.error && (
            <ErrorNotice id="device-error" message={state.error}>
              {state.checkIn && (
                <>
                  {' '}
                  <a href={`/checkout?mode=in&device=${encodeURIComponent(state.checkIn)}`}>Check {state.checkIn} in now</a>
                </>
              )}
            </ErrorNotice>
          )}
        </>
      );
    case 'user':
      return (
        <>
          <DeviceLine device={state.device} mode={mode} />
          <form method="get" action="/checkout" class="scan">
            <input type="hidden" name="mode" value={mode} />
            <input type="hidden" name="device" value={state.device.asset_tag} />
            <ScanField name="user" label="Check out to" invalid={Boolean(state.error)} />
          </form>
          <p class="hint" id="user-hint">
            Scan the ID card or type the Local ID or email, then press <kbd>Enter</kbd>. <Restart mode={mode} />
          </p>
          {state.error && <ErrorNotice id="user-error" message={state.error} />}
          {state.suggestions && state.suggestions.length > 0 && (
            <ul class="suggestions" aria-label="Did you mean">
              {state.suggestions.map((s) => (
                <li>
                  <a class="btn secondary" href={`/checkout?${new URLSearchParams({ mode, device: state.device.asset_tag, user: s.local_id })}`}>
                    Check out to <span class="mono">{s.local_id}</span>
                  </a>{' '}
                  <span class="muted small">({s.why})</span>
                </li>
              ))}
            </ul>
          )}
        </>
      );
    case 'confirm': {
      const { device, person, localId, alsoHolds } = state;
      const name = person ? personName(person) : `Local ID ${localId}`;
      return (
        <>
          <DeviceLine device={device} mode={mode} />
          <div class="confirm">
            {person ? (
              <img class="confirm-photo" src={photoUrl(localId, 'full')} alt={name} width={320} height={427} />
            ) : (
              <div class="confirm-photo" role="img" aria-label="No roster entry" />
            )}
            <div>
              <p class="muted">{mode === 'out' ? 'Hand it to' : 'Checked out to'}</p>
              <h2 id="confirm-name">{name}</h2>
              {person?.opt_out ? <WithheldBadge optOut={person.opt_out} admin={user.role === 'admin'} /> : null}
              <dl class="facts">
                <dt>Local ID</dt>
                <dd class="mono">{localId}</dd>
                <dt>Grade</dt>
                <dd>{person?.grade ? display().names.grade(person.grade) : '—'}</dd>
                <dt>Building</dt>
                <dd>{person?.building ? display().names.building(person.building) : '—'}</dd>
                {person?.role === 'staff' && (
                  <>
                    <dt>Role</dt>
                    <dd>Staff</dd>
                  </>
                )}
              </dl>
              {alsoHolds && alsoHolds.length > 0 && (
                <p class="alert info" id="also-holds">
                  Already has{' '}
                  {alsoHolds.map((d, i) => (
                    <>
                      {i > 0 && ', '}
                      <a class="mono" href={deviceHref(d.asset_tag)}>
                        {d.asset_tag}
                      </a>
                      {d.model && ` (${d.model})`}
                    </>
                  ))}
                  .
                </p>
              )}
              <form method="post" action="/checkout" class="actions">
                <CsrfField user={user} />
                <input type="hidden" name="mode" value={mode} />
                <input type="hidden" name="asset_tag" value={device.asset_tag} />
                <input type="hidden" name="local_id" value={localId} />
                <button type="submit" class="btn" autofocus aria-describedby="confirm-name">
                  {mode === 'out' ? 'Confirm check-out' : 'Confirm check-in'} <kbd>Enter</kbd>
                </button>
                <Restart mode={mode} />
              </form>
            </div>
          </div>
        </>
      );
    }
  }
};

const Restart: FC<{ mode: CheckoutMode }> = ({ mode }) => (
  <a href={base(mode)} data-restart>
    Start over <kbd>Esc</kbd>
  </a>
);

const DeviceLine: FC<{ device: DeviceRow; mode: CheckoutMode }> = ({ device, mode }) => (
  <p class="step-done">
    <span class="what">{mode === 'out' ? 'Checking out' : 'Checking in'}</span>
    <a href={deviceHref(device.asset_tag)} class="mono">
      {device.asset_tag}
    </a>
    <span>{device.model}</span>
    {device.serial_number && <span class="muted small">serial {device.serial_number}</span>}
    <StatusBadge status={device.status} />
  </p>
);

const DoneNotice: FC<{ mode: CheckoutMode; done: Done }> = ({ mode, done }) => (
  <p class="alert ok" role="status">
    {mode === 'out' ? 'Checked out ' : 'Checked in '}
    <a href={deviceHref(done.device.asset_tag)} class="mono">
      {done.device.asset_tag}
    </a>
    {done.device.model && ` (${done.device.model})`}
    {mode === 'out' ? ' to ' : ' from '}
    <strong>{done.person ? personName(done.person) : done.localId}</strong>. Ready for the next one.
  </p>
);

const ErrorNotice: FC<{ id: string; message: string; children?: Child }> = ({ id, message, children }) => (
  <p class="alert error" role="alert" id={id}>
    {message} Nothing was recorded.
    {children}
  </p>
);

/**
 * The one field a step asks for, then Next. Scanners type and press Enter, so it takes the
 * focus and nothing is corrected as it is typed; `NAME-hint` and `NAME-error` describe it.
 */
function ScanField(props: { name: 'device' | 'user'; label: string; invalid: boolean }) {
  const { name, invalid } = props;
  return (
    <>
      <Field id={name} label={props.label}>
        <input
          type="text"
          id={name}
          name={name}
          autocomplete="off"
          autocapitalize="off"
          spellcheck={false}
          autofocus
          required
          aria-describedby={invalid ? `${name}-error ${name}-hint` : `${name}-hint`}
          aria-invalid={invalid ? 'true' : undefined}
        />
      </Field>
      <button type="submit" class="btn">
        Next
      </button>
    </>
  );
}
