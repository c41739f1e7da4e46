import type { Child, FC } from 'hono/jsx';
import { raw } from 'hono/html';
import type { SignedIn } from '../../domain/auth/auth.ts';
import { assetUrl } from '../assets/registry.ts';
import { visibleNav } from './nav.ts';

export interface LayoutProps {
  title: string;
  user?: SignedIn | undefined;
  /** Path of the current page, to mark its navigation entry. */
  path?: string;
  children?: Child;
}

/** Every page: skip link, header with navigation and sign-out, then the page's own content. */
export const Layout: FC<LayoutProps> = ({ title, user, path, children }) => (
  <>
    {raw('<!doctype html>')}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{`${title} · idphotos`}</title>
        <link rel="stylesheet" href={assetUrl('style.css')} />
        <script src={assetUrl('app.js')} defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/">
            <span aria-hidden="true" class="logo">
              ID
            </span>
            idphotos
          </a>
          {user && (
            <nav aria-label="Main">
              <ul>
                {visibleNav(user.role).map((item) => (
                  <li>
                    <a href={item.href} aria-current={isCurrent(item.href, path) ? 'page' : undefined}>
                      {item.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          {user && (
            <form class="signout" method="post" action="/logout">
              <span class="who">
                {user.username} <span class="role">{user.role}</span>
              </span>
              <input type="hidden" name="_csrf" value={user.csrfToken} />
              <button type="submit" class="link">
                Sign out
              </button>
            </form>
          )}
        </header>
        <main id="main" tabindex={-1}>
          {children}
        </main>
      </body>
    </html>
  </>
);

function isCurrent(href: string, path: string | undefined): boolean {
  if (!path) return false;
  if (href === '/') return path === '/' || path === '/search' || path.startsWith('/users/');
  return path === href || path.startsWith(`${href}/`);
}

/** A hidden CSRF field for a form posting as the signed-in user. */
export const CsrfField: FC<{ user: SignedIn }> = ({ user }) => <input type="hidden" name="_csrf" value={user.csrfToken} />;
