import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface OidcClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  grant_types?: string[];
}

export interface TestProvider {
  issuer: string;
  /** The port it listens on (the issuer's, unless `issuer` named something in front of it). */
  port: number;
  /** Makes an account unknown to the provider (a district disabling a leaver). */
  disable(sub: string): Promise<void>;
  /** SIGSTOP / SIGCONT: a provider that accepts connections and answers nothing. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/**
 * Starts test/directory/oidc-provider.mjs (npm oidc-provider) and waits for its issuer URL.
 * `issuer`: the address it calls itself, when the test puts something in front of it.
 */
export async function startProvider(clients: OidcClient[], issuer?: string): Promise<TestProvider> {
  const child: ChildProcess = spawn(process.execPath, [join(import.meta.dirname, 'oidc-provider.mjs')], {
    env: { ...process.env, IDPHOTOS_OIDC_CLIENTS: JSON.stringify(clients), ...(issuer ? { IDPHOTOS_OIDC_ISSUER: issuer } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout! });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => String(line)),
    once(child, 'exit').then(() => {
      throw new Error(`the OpenID provider exited: ${stderr}`);
    }),
  ]);
  const started = JSON.parse(first) as { issuer: string; port: number };
  return {
    issuer: started.issuer,
    port: started.port,
    async disable(sub) {
      const res = await fetch(`http://127.0.0.1:${started.port}/test/disable?sub=${encodeURIComponent(sub)}`, { method: 'POST' });
      if (!res.ok) throw new Error(`disable failed: ${res.status}`);
    },
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    async stop() {
      if (child.exitCode !== null) return;
      const gone = once(child, 'exit');
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await gone;
    },
  };
}
