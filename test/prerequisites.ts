/**
 * The Debian packages the tests use: one list, read by `npm test`'s pretest step
 * (scripts/test-prerequisites.ts installs the missing ones as root, or names them and stops) and
 * by the tests themselves, so a test whose program is missing names the package to install.
 * A test that needs a new package adds it here.
 */
export interface Prerequisite {
  /** The Debian package. */
  package: string;
  /** Programs of it the tests run (looked up on PATH), to name the package when one is missing. */
  programs: string[];
  why: string;
}

export const PREREQUISITES: readonly Prerequisite[] = [
  { package: 'ca-certificates', programs: [], why: 'npm and apt over HTTPS' },
  { package: 'openssh-client', programs: ['sftp', 'ssh', 'ssh-keygen', 'ssh-keyscan'], why: 'the OpenSSH sftp client and test keys' },
  { package: 'openssh-server', programs: ['sshd'], why: 'the benchmark reference server' },
  { package: 'openssh-sftp-server', programs: [], why: "OpenSSH's sftp-server for the benchmark reference" },
  { package: 'sshpass', programs: ['sshpass'], why: 'password logins of OpenSSH clients' },
  { package: 'putty-tools', programs: ['psftp'], why: "PuTTY's psftp client" },
  { package: 'lftp', programs: ['lftp'], why: 'the lftp client' },
  { package: 'rclone', programs: ['rclone'], why: 'the rclone client' },
  { package: 'curl', programs: ['curl'], why: "curl's SFTP client" },
  { package: 'sshfs', programs: ['sshfs', 'fusermount3'], why: 'the SFTP file system mount' },
  { package: 'python3', programs: ['python3'], why: 'paramiko and the SMTP test server' },
  { package: 'python3-paramiko', programs: [], why: 'the paramiko client (test/programs.ts requirePython)' },
  { package: 'openssl', programs: ['openssl'], why: 'test TLS certificates' },
  { package: 'chromium', programs: ['chromium', 'chromium-browser'], why: 'the browser tests (playwright-core)' },
  { package: 'ssh-audit', programs: ['ssh-audit'], why: 'the SSH algorithm audit' },
  { package: 'sqlite3', programs: ['sqlite3'], why: 'reading databases as another process would' },
  { package: 'nginx-light', programs: ['nginx'], why: 'the web benchmark reference' },
  { package: 'time', programs: ['time'], why: "GNU time: the roster benchmark's reference (sqlite3 .import)" },
  { package: 'wrk', programs: ['wrk'], why: 'the web benchmark load' },
  { package: 'binutils', programs: ['strip'], why: 'the single-executable test' },
  { package: 'build-essential', programs: ['cc', 'make'], why: 'compiling native modules where no prebuilt binary fits' },
  { package: 'util-linux', programs: ['unshare', 'mount', 'umount'], why: 'tmpfs mounts of the full-disk and executable tests' },
  { package: 'slapd', programs: ['slapd'], why: 'a real LDAP server for directory sign-in' },
  { package: 'ldap-utils', programs: ['ldapadd', 'ldapsearch'], why: 'loading the test directory' },
  { package: 'prometheus', programs: ['promtool'], why: 'promtool check metrics' },
  { package: 'python3-aiosmtpd', programs: [], why: 'a real SMTP server for alert mail' },
  { package: 'systemd', programs: ['systemd-analyze'], why: 'systemd-analyze verify of the service unit' },
];

/** The package that provides `program`, if the list knows it. */
export function packageOf(program: string): string | undefined {
  const name = program.split('/').pop()!;
  return PREREQUISITES.find((p) => p.programs.includes(name))?.package;
}
