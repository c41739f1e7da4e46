import { Layout } from './layout.tsx';

export interface LoginPageProps {
  next: string;
  username?: string;
  error?: string | undefined;
  notice?: string | undefined;
}

export function LoginPage({ next, username, error, notice }: LoginPageProps) {
  return (
    <Layout title="Sign in">
      <section class="panel narrow">
        <h1>Sign in</h1>
        <p class="muted">Student and staff photos are student records: sign in with your own account.</p>
        {notice && (
          <p class="alert ok" role="status">
            {notice}
          </p>
        )}
        {error && (
          <p class="alert error" role="alert" id="login-error">
            {error}
          </p>
        )}
        <form method="post" action="/login" aria-describedby={error ? 'login-error' : undefined}>
          <input type="hidden" name="next" value={next} />
          <div class="field">
            <label for="username">User name</label>
            <input type="text" id="username" name="username" value={username ?? ''} autocomplete="username" autocapitalize="none" spellcheck={false} required autofocus={!username} />
          </div>
          <div class="field">
            <label for="password">Password</label>
            <input type="password" id="password" name="password" autocomplete="current-password" required autofocus={Boolean(username)} />
          </div>
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
