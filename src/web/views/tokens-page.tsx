import type { SignedIn } from '../../domain/auth/auth.ts';
import type { TokenSummary } from '../../domain/tokens/tokens.ts';
import { CsrfField, Layout } from './layout.tsx';
import { formatTime } from './format.ts';
import { Notice } from './notice.tsx';
import { ScrollTable } from './table.tsx';

/** `/admin/tokens`: the integration tokens, live first, each live one with a revoke button. */
export function TokensPage({ user, path, tokens, notice }: { user: SignedIn; path: string; tokens: TokenSummary[]; notice?: string | undefined }) {
  return (
    <Layout title="Integration tokens" user={user} path={path}>
      <h1>Integration tokens</h1>
      <Notice text={notice} />
      <section class="panel">
        <p class="muted">
          Other systems (an ID-card printer, the library system) read <code>GET /api/users/&#123;id&#125;</code> and <code>GET /photos/&#123;id&#125;</code> with{' '}
          <code>Authorization: Bearer TOKEN</code>. Create a token on the server with <code>idphotos tokens create NAME --scope photos:read</code>: it is
          shown once. Every use is in the audit log under <code>token:NAME</code>. A revoked token is refused from its next request on.
        </p>
        {tokens.length === 0 ? (
          <p>No tokens yet.</p>
        ) : (
          <ScrollTable columns={['Name', 'Scope', 'Created', 'State', 'Uses']}>
            {tokens.map((t) => (
              <tr>
                <td class="mono">{t.name}</td>
                <td class="mono">{t.scope}</td>
                <td>
                  {formatTime(t.created_at)} <span class="muted">by {t.created_by}</span>
                </td>
                <td>
                  {t.revoked_at ? (
                    <span>
                      Revoked {formatTime(t.revoked_at)} <span class="muted">by {t.revoked_by}</span>
                    </span>
                  ) : (
                    <form method="post" action={`/admin/tokens/${encodeURIComponent(t.name)}/revoke`}>
                      <CsrfField user={user} />
                      <button type="submit" class="btn secondary small" aria-label={`Revoke token ${t.name}`}>
                        Revoke
                      </button>
                    </form>
                  )}
                </td>
                <td>
                  <a href={`/admin/audit?actor=${encodeURIComponent(`token:${t.name}`)}`}>audit log</a>
                </td>
              </tr>
            ))}
          </ScrollTable>
        )}
      </section>
    </Layout>
  );
}
