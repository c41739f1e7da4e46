import type { SignedIn } from '../../domain/auth/auth.ts';
import { EXPORT_SIZES, type ExportPlan, type RawExportRequest } from '../../domain/exports/photo-export.ts';
import type { FilterOptions } from '../../domain/users/users.ts';
import { formatCount } from './format.ts';
import { Layout } from './layout.tsx';

const SIZE_LABEL: Record<string, string> = {
  full: 'Display size (480 px, JPEG)',
  profile: 'Profile size (240 px, JPEG)',
  thumb: 'Thumbnail (96 px, JPEG)',
  original: 'Original (the file as uploaded)',
};

/** `/admin/export`: filters, what they match, and the download. */
export function ExportPage({ user, path, options, raw, plan, error }: { user: SignedIn; path: string; options: FilterOptions; raw: RawExportRequest; plan?: ExportPlan | undefined; error?: string | undefined }) {
  const query = new URLSearchParams(Object.entries(raw).filter(([, v]) => v) as [string, string][]).toString();
  return (
    <Layout title="Export photos" user={user} path={path}>
      <h1>Export photos</h1>
      <section class="panel">
        <p class="muted">
          A zip of current photos of active people, each named <code>LocalID.jpg</code>, with a Follett Destiny <code>idlink.txt</code>. People who opted out of
          directory photos are never included. Every export is in the audit log.
        </p>
        <form method="get" action="/admin/export" class="filters">
          <AnyOf label="Building" name="building" values={options.buildings} selected={raw.building} />{' '}
          <AnyOf label="Grade" name="grade" values={options.grades} selected={raw.grade} />{' '}
          <label>
            Role{' '}
            <select name="role">
              <option value="">Any</option>
              <option value="student" selected={raw.role === 'student'}>
                Students
              </option>
              <option value="staff" selected={raw.role === 'staff'}>
                Staff
              </option>
            </select>
          </label>{' '}
          <label>
            Changed since <input type="date" name="since" value={raw.since ?? ''} />
          </label>{' '}
          <label>
            Size{' '}
            <select name="size">
              {EXPORT_SIZES.map((s) => (
                <option value={s} selected={(raw.size || 'full') === s}>
                  {SIZE_LABEL[s]}
                </option>
              ))}
            </select>
          </label>{' '}
          <button type="submit" class="btn secondary small">
            Count
          </button>
        </form>
        {error && (
          <p class="alert bad" role="alert">
            {error}
          </p>
        )}
        {plan && (
          <p role="status">
            {formatCount(plan.entries.length)} photo{plan.entries.length === 1 ? '' : 's'} match
            {plan.withheld > 0 && `; ${formatCount(plan.withheld)} more withheld (opted out)`}.{' '}
            {plan.entries.length > 0 && (
              <a class="btn small" href={`/admin/export/photos.zip${query ? `?${query}` : ''}`} download>
                Download the zip
              </a>
            )}
          </p>
        )}
      </section>
    </Layout>
  );
}

/** A labelled filter that is "Any" or one of `values` (the buildings or grades on the roster). */
function AnyOf({ label, name, values, selected }: { label: string; name: string; values: string[]; selected: string | undefined }) {
  return (
    <label>
      {label}{' '}
      <select name={name}>
        <option value="">Any</option>
        {values.map((v) => (
          <option value={v} selected={selected === v}>
            {v}
          </option>
        ))}
      </select>
    </label>
  );
}
