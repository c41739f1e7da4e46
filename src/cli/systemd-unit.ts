/** What the service unit names: who runs it, what, with which configuration. */
export interface UnitOptions {
  /** The system user (and group) the service runs as. */
  user: string;
  /** The command line before `serve`: the executable (or node and bin/idphotos.js from source). */
  exec: string[];
  /** Absolute path of appliance.toml. */
  config: string;
  /** Folders outside /var/lib/idphotos the service writes to (a data_dir elsewhere, cache_dir, a log folder, backup.dir). */
  writable?: string[];
}

/** The folder systemd creates for the service (StateDirectory=idphotos); the default data_dir of a service. */
export const STATE_DIR = '/var/lib/idphotos';
export const UNIT_NAME = 'idphotos.service';

/**
 * The hardened systemd unit: the service sees its data folder and its two ports, nothing else.
 * README's "Running it as a service" shows it as printed for /usr/local/bin/idphotos (a test
 * keeps the two the same).
 */
export function renderUnit(o: UnitOptions): string {
  const writable = (o.writable ?? []).map((dir) => `ReadWritePaths=${quote(dir)}`);
  const exec = [...o.exec, 'serve', '--config', o.config].map((word) => quote(word).replace(/\$/g, '$$$$')).join(' ');
  return `[Unit]
Description=idphotos: ID photos and rosters (SFTP + web viewer)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=${o.user}
Group=${o.user}
ExecStart=${exec}
# Creates ${STATE_DIR} owned by the user (mode 0700); data_dir points here.
StateDirectory=idphotos
StateDirectoryMode=0700
WorkingDirectory=${STATE_DIR}
${writable.length ? `# data_dir or other folders the configuration names outside ${STATE_DIR}.\n${writable.join('\n')}\n` : ''}Restart=on-failure
RestartSec=5
# SIGTERM: stop accepting, finish uploads in flight, close the database, exit 0 within 10 s.
KillSignal=SIGTERM
TimeoutStopSec=15
UMask=0077
LimitNOFILE=65536

# Hardening. The service only needs its data folder and its two ports.
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
CapabilityBoundingSet=
# To listen on port 22 or 443 instead of 2222/8080, replace the line above with:
#   CapabilityBoundingSet=CAP_NET_BIND_SERVICE
#   AmbientCapabilities=CAP_NET_BIND_SERVICE
# NB: no MemoryDenyWriteExecute=yes: V8 compiles JavaScript to machine code at run time.
# NB: the native libraries are unpacked to <data_dir>/runtime and loaded from there, so
# data_dir must not be on a noexec mount (or set [executable] cache_dir elsewhere and add it
# with ReadWritePaths=).

[Install]
WantedBy=multi-user.target
`;
}

/**
 * systemd's quoting for one word of a command line or a path setting; `%` is doubled, since
 * systemd expands specifiers (%h, %u) in both. Words must not hold control characters (a
 * newline would start a line of its own in the unit): install-service refuses such paths.
 */
function quote(word: string): string {
  if (/[\x00-\x1f\x7f]/.test(word)) throw new Error(`a unit file cannot hold ${JSON.stringify(word)}: it has a control character`);
  const escaped = word.replace(/%/g, '%%');
  return /^[\w@%+=:,./-]+$/.test(word) ? escaped : `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
