import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photo, run, startHarness, tempDir, USER, type Harness } from '../sftp/harness.ts';

let h: Harness;
let local: string;

beforeAll(async () => {
  h = await startHarness();
  local = tempDir('idphotos-reports-sessions-');
});
afterAll(async () => h?.stop());

describe('/reports/ with several SFTP sessions on one SSH connection', () => {
  it('lists and serves the session file of the second sftp session of a connection (OpenSSH connection sharing)', async () => {
    const control = join(local, 'ctl');
    const shared = [...h.sshOpts, '-o', 'ControlMaster=auto', '-o', `ControlPath=${control}`, '-o', 'ControlPersist=60'];
    const sftp = (commands: string[]) => run('sftp', [...shared, '-b', '-', `${USER}@127.0.0.1`], { input: `${commands.join('\n')}\n`, cwd: local });
    try {
      writeFileSync(join(local, 'S1.jpg'), await photo(1));
      writeFileSync(join(local, 'S2.jpg'), await photo(2));
      expect((await sftp(['put S1.jpg /incoming/idphotos/'])).code).toBe(0);
      // The second sftp rides the first one's connection: a second session channel.
      expect((await sftp(['put S2.jpg /incoming/idphotos/'])).code).toBe(0);
      const sessions = [...new Set(h.app.storage.uploadReports.recentSessions(10).map((s) => s.session))];
      expect(sessions).toHaveLength(2);
      expect(sessions.find((s) => /-\d+-2$/.test(s))).toBeDefined();

      const ls = await sftp(['ls -1 /reports']);
      const names = ls.stdout.split('\n').map((l) => l.trim().replace(/^\/reports\//, '')).filter((n) => n.startsWith('session-'));
      expect(names.sort()).toEqual(sessions.map((s) => `session-${s}.csv`).sort());
      const second = sessions.find((s) => /-\d+-2$/.test(s))!;
      const got = await sftp([`get /reports/session-${second}.csv`]);
      expect(got.code).toBe(0);
      expect(readFileSync(join(local, `session-${second}.csv`), 'utf8')).toContain('"S2.jpg"');
    } finally {
      await run('ssh', [...h.sshOpts.map((o) => (o === '-P' ? '-p' : o)), '-o', `ControlPath=${control}`, '-O', 'exit', `${USER}@127.0.0.1`]);
    }
  });
});
