import { PASSWORD } from './appliance.ts';

export interface WebSession {
  base: string;
  cookie: string;
  csrf: string;
  get(path: string, init?: RequestInit): Promise<Response>;
  json<T = unknown>(path: string): Promise<T>;
}

/** Signs in through the form like a browser (same-origin POST) and reads the CSRF token. */
export async function signIn(base: string, username: string, password = PASSWORD): Promise<WebSession> {
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
    body: new URLSearchParams({ username, password }).toString(),
  });
  await res.arrayBuffer();
  if (res.status !== 303) throw new Error(`sign-in as ${username} answered ${res.status}`);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const page = await (await fetch(`${base}/`, { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
  const get = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { redirect: 'manual', ...init, headers: { cookie, ...(init.headers as Record<string, string>) } });
  return {
    base,
    cookie,
    csrf,
    get,
    async json<T>(path: string): Promise<T> {
      const r = await get(path);
      if (!r.ok) throw new Error(`GET ${path} answered ${r.status}: ${(await r.text()).slice(0, 300)}`);
      return (await r.json()) as T;
    },
  };
}
