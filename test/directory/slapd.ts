import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireProgram } from '../programs.ts';

export const SUFFIX = 'dc=district,dc=test';
export const ROOT_DN = `cn=admin,${SUFFIX}`;
const ROOT_PW = 'root-secret-1';
export const BIND_DN = `cn=idphotos-bind,ou=services,${SUFFIX}`;
export const BIND_PW = 'bind-secret-2';
export const ADMINS = `cn=idphotos-admins,ou=groups,${SUFFIX}`;
export const STAFF = `cn=idphotos-staff,ou=groups,${SUFFIX}`;

export interface Slapd {
  url: string;
  port: number;
  dir: string;
  caFile: string;
  /** Runs ldapadd / ldapmodify / ldapdelete as the directory's root, over StartTLS. */
  ldap(tool: 'ldapadd' | 'ldapmodify' | 'ldapdelete', input: string, args?: string[]): string;
  /** SIGSTOP / SIGCONT: a directory that accepts connections and answers nothing (a hung DC). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** A test CA and a server certificate for 127.0.0.1 and localhost, made by openssl. */
export function makeTestCa(dir: string): { caFile: string; certFile: string; keyFile: string } {
  const p = (f: string) => join(dir, f);
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=idphotos test CA');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(p('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  run('x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.pem'), '-days', '2', '-extfile', p('san.ext'));
  return { caFile: p('ca.pem'), certFile: p('server.pem'), keyFile: p('server.key') };
}

/** A port that was free a moment ago (slapd cannot report the one it got, so callers retry on a collision). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Debian's slapd with its own slapd.conf in a temp folder: an mdb database under `SUFFIX`,
 * TLS from a test CA, and `security tls=1` so that nothing (a bind least of all) is accepted
 * before StartTLS. Seeded with `ldif` through ldapadd.
 */
export async function startSlapd(ldif: string): Promise<Slapd> {
  const dir = mkdtempSync(join(tmpdir(), 'idphotos-slapd-'));
  mkdirSync(join(dir, 'db'));
  const { caFile, certFile, keyFile } = makeTestCa(dir);
  // AD's userAccountControl (its own OID), so a test can disable an account the way AD does.
  const adSchema = join(dir, 'ad-account.schema');
  writeFileSync(
    adSchema,
    [
      "attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl' EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )",
      "objectclass ( 1.3.6.1.4.1.32473.1.1 NAME 'idphotosTestAdAccount' AUXILIARY MAY userAccountControl )",
      '',
    ].join('\n'),
  );
  const conf = join(dir, 'slapd.conf');
  writeFileSync(
    conf,
    [
      'include /etc/ldap/schema/core.schema',
      'include /etc/ldap/schema/cosine.schema',
      'include /etc/ldap/schema/inetorgperson.schema',
      'include /etc/ldap/schema/nis.schema',
      `include ${adSchema}`,
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      `pidfile ${join(dir, 'slapd.pid')}`,
      `TLSCACertificateFile ${caFile}`,
      `TLSCertificateFile ${certFile}`,
      `TLSCertificateKeyFile ${keyFile}`,
      'security tls=1',
      'database mdb',
      `suffix "${SUFFIX}"`,
      `rootdn "${ROOT_DN}"`,
      `rootpw ${ROOT_PW}`,
      `directory ${join(dir, 'db')}`,
      'access to attrs=userPassword by anonymous auth by self read by * none',
      'access to * by users read by anonymous auth',
      '',
    ].join('\n'),
  );

  const logFile = join(dir, 'slapd.log');
  // Fails at once, naming the package, where slapd is missing (rather than waiting for its port).
  const slapd = requireProgram('slapd');
  requireProgram('ldapadd');
  let child: ChildProcess | undefined;
  let port = 0;
  let stderr = '';
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    // IDPHOTOS_SLAPD_DEBUG=conns (or any slapd -d level) prints slapd's log when it stops.
    // NB: slapd logs to a file, not a pipe: this process blocks in execFileSync(ldapadd) and
    // would not drain a pipe, and slapd would stall on a full one.
    const logFd = openSync(logFile, 'w');
    const proc = spawn(slapd, ['-f', conf, '-h', `ldap://127.0.0.1:${port}/`, '-d', process.env.IDPHOTOS_SLAPD_DEBUG ?? '0'], { stdio: ['ignore', 'ignore', logFd] });
    closeSync(logFd);
    let exited = false;
    proc.once('exit', () => {
      exited = true;
      stderr = readFileSync(logFile, 'utf8');
    });
    while (!exited && !(await canConnect(port))) await new Promise((r) => setTimeout(r, 50));
    if (!exited) child = proc;
  }
  if (!child) throw new Error(`slapd did not start: ${stderr}`);
  const url = `ldap://127.0.0.1:${port}`;
  const env = { ...process.env, LDAPTLS_CACERT: caFile, LDAPTLS_REQCERT: 'demand' };
  const ldap: Slapd['ldap'] = (tool, input, args = []) =>
    execFileSync(tool, ['-x', '-ZZ', '-H', url, '-D', ROOT_DN, '-w', ROOT_PW, ...args], { input, env, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  ldap('ldapadd', ldif);
  const running = child;
  return {
    url,
    port,
    dir,
    caFile,
    ldap,
    pause: () => running.kill('SIGSTOP'),
    resume: () => running.kill('SIGCONT'),
    async stop() {
      if (running.exitCode === null) {
        const gone = new Promise((r) => running.once('exit', r));
        running.kill('SIGCONT');
        running.kill('SIGTERM');
        await gone;
      }
      if (process.env.IDPHOTOS_SLAPD_DEBUG) process.stderr.write(readFileSync(logFile, 'utf8'));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The seeded district: alice (admin), bob, dave and erin (staff; erin has AD's userAccountControl), carol (in no group), and the bind account. */
export function districtLdif(): string {
  const person = (uid: string, name: string) => `dn: uid=${uid},ou=people,${SUFFIX}
objectClass: inetOrgPerson
uid: ${uid}
cn: ${name}
sn: ${name.split(' ').pop()}
mail: ${uid}@district.test
userPassword: ${uid}-pass-123
`;
  return [
    `dn: ${SUFFIX}
objectClass: dcObject
objectClass: organization
dc: district
o: Test District
`,
    `dn: ou=people,${SUFFIX}
objectClass: organizationalUnit
ou: people
`,
    `dn: ou=groups,${SUFFIX}
objectClass: organizationalUnit
ou: groups
`,
    `dn: ou=services,${SUFFIX}
objectClass: organizationalUnit
ou: services
`,
    `dn: ${BIND_DN}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: idphotos-bind
userPassword: ${BIND_PW}
`,
    person('alice', 'Alice Admin'),
    person('bob', 'Bob Desk'),
    person('carol', 'Carol Nogroup'),
    person('dave', 'Dave Leaver'),
    `${person('erin', 'Erin Disabled')}objectClass: idphotosTestAdAccount
userAccountControl: 512
`,
    `dn: ${ADMINS}
objectClass: groupOfNames
cn: idphotos-admins
member: uid=alice,ou=people,${SUFFIX}
`,
    `dn: ${STAFF}
objectClass: groupOfNames
cn: idphotos-staff
member: uid=bob,ou=people,${SUFFIX}
member: uid=dave,ou=people,${SUFFIX}
member: uid=erin,ou=people,${SUFFIX}
`,
  ].join('\n');
}
