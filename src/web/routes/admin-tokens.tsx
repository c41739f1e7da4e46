import { Hono } from 'hono';
import type { TokenService } from '../../domain/tokens/tokens.ts';
import type { WebEnv } from '../env.ts';
import { TokensPage } from '../views/tokens-page.tsx';

/** `/admin/tokens`: list integration tokens and revoke one (creating is on the server's command line, where the secret is shown once). */
export function adminTokenRoutes(tokens: TokenService): Hono<WebEnv> {
  return new Hono<WebEnv>()
    .get('/', (c) => {
      const revoked = c.req.query('revoked');
      return c.html(<TokensPage user={c.get('user')!} path={c.req.path} tokens={tokens.list()} notice={revoked ? `Token "${revoked}" is revoked: it is refused from now on.` : undefined} />);
    })
    .post('/:name/revoke', (c) => {
      const name = c.req.param('name');
      tokens.revoke(name, c.get('user')!.username);
      c.set('audit', 'recorded');
      return c.redirect(`/admin/tokens?revoked=${encodeURIComponent(name)}`, 303);
    });
}
