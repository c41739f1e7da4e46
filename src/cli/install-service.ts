import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../config/load.ts';
import { isSingleExecutable } from '../native/runtime.ts';
import { isInside } from '../shared/paths.ts';
import { writeFileAtomic } from '../storage/files.ts';
import { CONFIG_OPTION, UsageError, type Command } from './common.ts';
import { renderUnit, STATE_DIR, UNIT_NAME } from './systemd-unit.ts';

const USAGE = 'idphotos install-service [--user idphotos] [--config /etc/idphotos/appliance.toml] [--print] [--root DIR]';
const DEFAULT_CONFIG = '/etc/idphotos/appliance.toml';
const NOLOGIN = '/usr/sbin/nologin';
/** System folders other programs use: install-service never changes their owner or mode. */
const SHARED_FOLDERS = new Set([
  '/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/media', '/mnt', '/opt', '/proc', '/root', '/run', '/sbin', '/srv', '/sys', '/tmp',
  '/usr', '/usr/bin', '/usr/lib', '/usr/local', '/usr/local/bin', '/usr/local/lib', '/usr/share', '/var', '/var/backups', '/var/cache',
  '/var/lib', '/var/local', '/var/log', '/var/opt', '/var/spool', '/var/tmp',
]);

/**
 * `idphotos install-service`: the hardened systemd unit README describes, for this executable,
 * with the system user and the folders it needs. `--print` only shows the unit. `--root DIR`
 * installs into a system image mounted at DIR (its /etc/passwd gets the user): tests use it.
 */
export const installServiceCommand: Command = {
  summary: 'install the systemd service (unit, system user, folders) and print the next steps; --print shows the unit',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        user: { type: 'string', default: 'idphotos' },
        config: { ...CONFIG_OPTION, default: DEFAULT_CONFIG },
        print: { type: 'boolean', default: false },
        root: { type: 'string' },
      },
    });
    if (positionals.length) throw new UsageError(`usage: ${USAGE}`);
    const user = values.user;
    if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user)) throw new UsageError(`--user ${user}: a system user name is 1 to 32 lower-case letters, digits, _ or -`);
    if (user === 'root') throw new UsageError('--user root: the service must not run as root (it parses uploads from the network); name a system user of its own, e.g. idphotos');
    const config = resolve(values.config);
    const root = values.root === undefined ? '' : resolve(values.root);
    // Paths as the installed system sees them, and where this process finds them.
    const inRoot = (path: string) => (root ? join(root, path) : path);
    const outOfRoot = (path: string) => (root && isInside(path, root) ? `/${relative(root, path)}` : path);

    const configured = existsSync(inRoot(config)) ? loadConfigFile(inRoot(config)) : undefined;
    const dataDir = configured ? outOfRoot(configured.data_dir) : STATE_DIR;
    const logDir = configured?.log.file ? dirname(outOfRoot(configured.log.file)) : '';
    const backupDir = outOfRoot(configured?.backup.dir ?? '');
    const extra = [outOfRoot(configured?.executable.cache_dir ?? ''), logDir, backupDir].filter((dir) => dir && !isInside(dir, dataDir));
    // The service's own folders: systemd makes them writable (StateDirectory) or ReadWritePaths must.
    const owned = [dataDir, ...extra];
    const writable = owned.filter((dir) => !isInside(dir, STATE_DIR));
    for (const path of [config, ...thisExecutable(), ...owned]) {
      if (/[\x00-\x1f\x7f]/.test(path)) throw new UsageError(`${JSON.stringify(path)} has a control character (a newline?): a systemd unit cannot name it; choose another path`);
    }
    // NB: each of these folders gets owner ${user}, mode 0700 and ReadWritePaths=: never a folder other programs use.
    for (const dir of owned) {
      if (SHARED_FOLDERS.has(dir)) {
        const key = dir === dataDir ? 'data_dir' : dir === logDir ? 'log.file' : dir === backupDir ? 'backup.dir' : 'executable.cache_dir';
        throw new UsageError(`${key} in ${config} puts idphotos in ${dir}, a folder other programs use; install-service would give it to ${user} (mode 0700): use a folder of its own, e.g. ${join(dir, 'idphotos')}`);
      }
    }
    const unit = renderUnit({ user, exec: thisExecutable(), config, writable });
    if (values.print) {
      io.stdout.write(unit);
      return 0;
    }
    if (process.getuid?.() !== 0) throw new UsageError('install-service writes to /etc and creates a system user: run it as root (sudo), or use --print to see the unit');

    const done: string[] = [];
    const ids = systemUser(user, root);
    if (ids.created) done.push(`created the system user ${user} (uid ${ids.uid})`);
    const etc = dirname(config);
    mkdirSync(inRoot(etc), { recursive: true });
    // NB: /etc itself (--config /etc/idphotos.toml) keeps its owner and mode: 0750 would lock everyone else out.
    if (!SHARED_FOLDERS.has(etc)) {
      chownSync(inRoot(etc), 0, ids.gid);
      chmodSync(inRoot(etc), 0o750);
    }
    if (!configured) {
      writeFileAtomic(inRoot(config), starterConfig(config));
      done.push(`wrote ${config} (data_dir = "${STATE_DIR}")`);
    }
    // Readable by the service, writable by root only: it holds password hashes.
    chownSync(inRoot(config), 0, ids.gid);
    chmodSync(inRoot(config), 0o640);
    for (const dir of owned) {
      mkdirSync(inRoot(dir), { recursive: true });
      chownSync(inRoot(dir), ids.uid, ids.gid);
      chmodSync(inRoot(dir), 0o700);
      done.push(`${dir === dataDir ? 'data folder' : 'folder'} ${dir} (0700, owner ${user})`);
    }
    const unitPath = join('/etc/systemd/system', UNIT_NAME);
    const current = existsSync(inRoot(unitPath)) ? readFileSync(inRoot(unitPath), 'utf8') : undefined;
    if (current === unit) {
      done.push(`${unitPath} is already this unit`);
    } else if (current !== undefined) {
      // NB: README has admins edit the unit (port 22, another folder): a run after an upgrade must not undo that.
      writeFileAtomic(inRoot(`${unitPath}.new`), unit);
      chmodSync(inRoot(`${unitPath}.new`), 0o644);
      done.push(`kept ${unitPath}, which differs from this version's unit (edited?): the new one is ${unitPath}.new; compare them (diff ${unitPath} ${unitPath}.new) and keep what you need`);
    } else {
      writeFileAtomic(inRoot(unitPath), unit);
      chmodSync(inRoot(unitPath), 0o644);
      done.push(`wrote ${unitPath}`);
    }

    const self = thisExecutable().join(' ');
    io.stdout.write(
      [
        ...done.map((line) => `  ${line}`),
        '',
        'Next steps:',
        `  1. In ${config}: your own accounts ([[sftp.accounts]], [[web.accounts]]; \`${self} hash-password\` makes a hash).`,
        '     Without them the first start prints generated passwords to the journal.',
        `  2. ${self} check-config --config ${config}`,
        '  3. systemctl daemon-reload && systemctl enable --now idphotos',
        '  4. journalctl -u idphotos -o cat | head     (the effective configuration, then the listen lines)',
        '',
      ].join('\n'),
    );
    return 0;
  },
};

/** The command line that runs this idphotos: the single executable, or node with bin/idphotos.js. */
function thisExecutable(): string[] {
  // NB: not node:sea's isSea(), which Deno does not have.
  if (isSingleExecutable()) return [realpathSync(process.execPath)];
  return [process.execPath, realpathSync(process.argv[1]!)];
}

/** Finds `user` in the system's passwd file, creating it (with its own group) if missing. */
function systemUser(user: string, root: string): { uid: number; gid: number; created: boolean } {
  const find = () => {
    const line = readFileSync(join(root || '/', 'etc/passwd'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${user}:`));
    if (!line) return undefined;
    const [, , uid, gid] = line.split(':');
    return { uid: Number(uid), gid: Number(gid) };
  };
  const found = find();
  if (found) return { ...found, created: false };
  const r = spawnSync('useradd', [...(root ? ['--prefix', root] : []), '--system', '--user-group', '--home-dir', STATE_DIR, '--no-create-home', '--shell', NOLOGIN, user], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`useradd could not create the system user ${user}: ${r.error?.message ?? r.stderr.trim()}`);
  const made = find();
  if (!made) throw new Error(`useradd reported success but ${user} is not in /etc/passwd`);
  return { ...made, created: true };
}

function starterConfig(path: string): string {
  return [
    '# idphotos configuration, written by idphotos install-service. Every key is optional; README\'s',
    '# configuration reference lists them with their defaults.',
    `# Check it with:  idphotos check-config --config ${path}`,
    '',
    `data_dir = "${STATE_DIR}"`,
    '',
    '# Set your own accounts before the first start (idphotos hash-password makes a hash):',
    '# [[sftp.accounts]]',
    '# username = "district"',
    '# password_hash = "$argon2id$…"',
    '# [[web.accounts]]',
    '# username = "admin"',
    '# password_hash = "$argon2id$…"',
    '# role = "admin"',
    '',
  ].join('\n');
}
