import type { SignedIn } from '../../domain/auth/auth.ts';
import { Layout } from './layout.tsx';

const TITLES: Record<number, string> = {
  400: 'That request could not be used',
  401: 'Please sign in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
  413: 'Too large',
  429: 'Too many attempts',
  500: 'Server error',
  503: 'Not available',
  507: 'Out of disk space',
};

export function ErrorPage(props: { status: number; message: string; user?: SignedIn | undefined }) {
  const title = TITLES[props.status] ?? 'Error';
  return (
    <Layout title={title} user={props.user}>
      <section class="panel narrow">
        <h1>{title}</h1>
        <p>{props.message}</p>
        <p>
          <a href="/">Back to search</a>
        </p>
      </section>
    </Layout>
  );
}
