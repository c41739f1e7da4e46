// A real OpenID provider (npm oidc-provider) for the OIDC sign-in tests, run as a child process.
// It listens on 127.0.0.1:0 and prints {"issuer": …} once ready. Env IDPHOTOS_OIDC_CLIENTS: the
// clients as JSON. Two people: ada (group idphotos-admins) and sam (group idphotos-staff); and
// two whose address is not known to be theirs: una (email_verified "false", a string, as some
// providers send it) and nia (no email_verified claim at all).
// Sign-in uses the provider's own interaction pages (devInteractions: any password is taken).
// POST /test/disable?sub=sam makes an account vanish, as a district disabling a leaver would.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const people = {
  ada: { email: 'ada@district.test', name: 'Ada Admin', groups: ['idphotos-admins', 'teachers'] },
  sam: { email: 'sam@district.test', name: 'Sam Staff', groups: ['idphotos-staff'] },
  una: { email: 'una@district.test', name: 'Una Unverified', groups: [], email_verified: 'false' },
  nia: { email: 'nia@district.test', name: 'Nia No-claim', groups: [], email_verified: null },
};
const disabled = new Set();

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  // IDPHOTOS_OIDC_ISSUER: the address it is reached at when something stands in front of it.
  const issuer = process.env.IDPHOTOS_OIDC_ISSUER || `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: JSON.parse(process.env.IDPHOTOS_OIDC_CLIENTS ?? '[]'),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    // The claims the scopes ask for go into the ID token, as Google's and Entra's do.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    // Refresh tokens for every client allowed the grant, as Google gives with access_type=offline.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    async findAccount(_ctx, sub) {
      const person = people[sub];
      if (!person || disabled.has(sub)) return undefined;
      const verified = person.email_verified === undefined ? true : person.email_verified;
      return {
        accountId: sub,
        claims: async () => ({ sub, email: person.email, ...(verified === null ? {} : { email_verified: verified }), name: person.name, groups: person.groups }),
      };
    },
    // Consent is given once the person signs in (an admin pre-approved the app, as districts do).
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid');
      await grant.save();
      return grant;
    },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, RefreshToken: 86400, Grant: 86400, Session: 86400, Interaction: 600 },
  });
  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (req.method === 'POST' && req.url?.startsWith('/test/disable')) {
      disabled.add(new URL(req.url, issuer).searchParams.get('sub'));
      res.end('ok');
      return;
    }
    callback(req, res);
  });
  process.stdout.write(`${JSON.stringify({ issuer, port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
