import { Layout } from './layout.tsx';
import { Notice } from './notice.tsx';
import { Field } from './field.tsx';

export interface LoginPageProps {
  next: string;
  username?: string;
  error?: string | undefined;
  notice?: string | undefined;
  /** The OpenID Connect provider's name ("Google", "Microsoft") when [web.oidc] is set. */
  oidcProvider?: string | undefined;
  /** Whether the password form also takes directory (LDAP) accounts. */
  ldap?: boolean;
  /** Providers that failed lately: named so staff know it is not their password. */
  failures?: { provider: string }[];
}

export function LoginPage({ next, username, error, notice, oidcProvider, ldap, failures = [] }: LoginPageProps) {
  return (
    <Layout title="Sign in">
      <section class="panel narrow">
        <h1>Sign in</h1>
        <p class="muted">Student and staff photos are student records: sign in with your own account.</p>
        <Notice text={notice} />
        {error && (
          <p class="alert error" role="alert" id="login-error">
            {error}
          </p>
        )}
        {failures.map((f) => (
          <p class="alert error" role="alert">
            {`Sign-in with ${f.provider} is not working right now. Local accounts still work; your district IT admin can see why in the appliance log.`}
          </p>
        ))}
        {oidcProvider && (
          <p>
            <a class="btn" href={`/login/oidc?next=${encodeURIComponent(next)}`}>
              {`Sign in with ${oidcProvider}`}
            </a>
          </p>
        )}
        {oidcProvider && <p class="muted">{ldap ? 'Or sign in with your district or local user name:' : 'Or sign in with a local account:'}</p>}
        {!oidcProvider && ldap && <p class="muted">Use your district (directory) user name and password, or a local account.</p>}
        <form method="post" action="/login" aria-describedby={error ? 'login-error' : undefined}>
          <input type="hidden" name="next" value={next} />
          <Field id="username" label="User name">
            <input type="text" id="username" name="username" value={username ?? ''} autocomplete="username" autocapitalize="none" spellcheck={false} required autofocus={!username} />
          </Field>
          <Field id="password" label="Password">
            <input type="password" id="password" name="password" autocomplete="current-password" required autofocus={Boolean(username)} />
          </Field>
          <button type="submit" class="btn">
            Sign in
          </button>
        </form>
      </section>
    </Layout>
  );
}

export function SignOutPage({ user }: { user: import('../../domain/auth/auth.ts').SignedIn }) {
  return (
    <Layout title="Sign out" user={user}>
      <section class="panel narrow">
        <h1>Sign out</h1>
        <p>You are signed in as {user.username}.</p>
        <form method="post" action="/logout">
          <input type="hidden" name="_csrf" value={user.csrfToken} />
          <button type="submit" class="btn">
            Sign out now
          </button>
        </form>
      </section>
    </Layout>
  );
}
