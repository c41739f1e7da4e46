/**
 * Every key appliance.toml may hold, with its type and default. The typed `Config` is
 * inferred from this table, so a key is declared once. Property names are the TOML keys.
 */
export type FieldSpec =
  | { type: 'string'; default?: string; required?: boolean; secret?: boolean; pattern?: RegExp; hint?: string }
  | { type: 'int'; default: number; min?: number; max?: number }
  | { type: 'bool'; default: boolean }
  | { type: 'listen'; default: string }
  | { type: 'path'; default: string }
  | { type: 'enum'; values: readonly string[]; default: string }
  | { type: 'strings'; default: readonly string[]; values?: readonly string[] }
  | { type: 'table'; fields: Record<string, FieldSpec> }
  | { type: 'tables'; fields: Record<string, FieldSpec> }
  | { type: 'map'; of: Record<string, FieldSpec> }
  /** A table of any keys to short strings: `[roster.buildings]` `"101" = "Lincoln Elementary"`. */
  | { type: 'names'; maxLength: number };

const MB = 1024 * 1024;

const PHC_HINT = 'an argon2id hash printed by `idphotos hash-password`';
const ARGON2ID = /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;
const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;
const USERNAME_HINT = '1 to 64 letters, digits, dot, underscore, @ or hyphen';

/** Column names that map a district's own CSV layout onto ours (see the roster docs). */
const COLUMN_MAPPING = {
  local_id: { type: 'string' },
  first_name: { type: 'string' },
  last_name: { type: 'string' },
  middle_name: { type: 'string' },
  grade: { type: 'string' },
  building: { type: 'string' },
  email: { type: 'string' },
  username: { type: 'string' },
  position: { type: 'string' },
  role: { type: 'string' },
  active: { type: 'string' },
  /** The district's FERPA directory opt-out column (yes/no, true/false, 1/0, Y/N). */
  opt_out: { type: 'string' },
  /** Values of the `active` column that mean active; listing them makes every other value inactive. */
  active_values: { type: 'strings', default: [] },
  /** Values that mean inactive; with it, a value in neither list is an error on its line. */
  inactive_values: { type: 'strings', default: [] },
  kind: { type: 'enum', values: ['students', 'staff'], default: 'students' },
} as const satisfies Record<string, FieldSpec>;

export const SCHEMA = {
  data_dir: { type: 'path', default: 'data' },
  /** IANA time zone for every time shown on a page, in a CSV or by the CLI; "" is the server's. */
  timezone: { type: 'string', default: '' },
  log: {
    type: 'table',
    fields: {
      level: { type: 'enum', values: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], default: 'info' },
      /** Write the log here instead of stdout, rotated by size; empty: stdout (the journal under systemd). */
      file: { type: 'path', default: '' },
      max_file_bytes: { type: 'int', default: 10 * MB, min: 4096 },
      keep_files: { type: 'int', default: 5, min: 1, max: 1000 },
    },
  },
  sftp: {
    type: 'table',
    fields: {
      listen: { type: 'listen', default: '0.0.0.0:2222' },
      max_photo_bytes: { type: 'int', default: 20 * MB, min: 1024 },
      max_data_bytes: { type: 'int', default: 200 * MB, min: 1024 },
      /** Largest vendor delivery zip uploaded to /incoming/idphotos/. */
      max_delivery_bytes: { type: 'int', default: 1024 * MB, min: 1024 },
      max_sessions_per_account: { type: 'int', default: 32, min: 1 },
      idle_timeout_seconds: { type: 'int', default: 900, min: 10 },
      /** From TCP accept to the end of the SSH handshake (a connection that sends nothing is closed then). */
      handshake_timeout_seconds: { type: 'int', default: 20, min: 1, max: 600 },
      /** Open files and folders of one account over all its sessions. */
      max_open_handles_per_account: { type: 'int', default: 1024, min: 1 },
      /** Open files and folders of every account together (at most half the process's file descriptors). */
      max_open_handles: { type: 'int', default: 4096, min: 1 },
      /** Bytes one account may hold in unfinished uploads and staged temporary (`.filepart`) files. */
      max_staged_bytes_per_account: { type: 'int', default: 1024 * MB, min: 1024 },
      /** Bytes every account together may hold in unfinished uploads and staged files. */
      max_staged_bytes: { type: 'int', default: 4096 * MB, min: 1024 },
      /** Unfinished uploads and staged temporary files one account may hold, however small. */
      max_staged_files_per_account: { type: 'int', default: 1000, min: 1 },
      /**
       * Also offer hmac-sha2-256/512 (not ETM), which libssh2 < 1.11 (curl on Debian 12) and older
       * SSH.NET need; on by default so those connect out of the box (ssh-audit: "warn", not "fail").
       */
      legacy_macs: { type: 'bool', default: true },
      /** Extra host key files (OpenSSH private key format), e.g. an RSA 3072 key for old clients. */
      host_keys: { type: 'strings', default: [] },
      accounts: {
        type: 'tables',
        fields: {
          username: { type: 'string', required: true, pattern: USERNAME, hint: USERNAME_HINT },
          password_hash: { type: 'string', secret: true, pattern: ARGON2ID, hint: PHC_HINT },
          authorized_keys: { type: 'strings', default: [] },
        },
      },
      defender: {
        type: 'table',
        fields: {
          enabled: { type: 'bool', default: true },
          max_failures: { type: 'int', default: 5, min: 1 },
          window_seconds: { type: 'int', default: 600, min: 1 },
          ban_seconds: { type: 'int', default: 600, min: 1 },
          max_ban_seconds: { type: 'int', default: 1800, min: 1 },
          /** Per source: an IPv4 address or an IPv6 /64. */
          max_connections_per_ip: { type: 'int', default: 40, min: 1 },
          /** Connections not signed in yet, over every source. */
          max_unauthenticated: { type: 'int', default: 256, min: 2 },
          /** Of max_unauthenticated, how many only allow-listed sources may take. */
          allow_list_reserved: { type: 'int', default: 32, min: 0 },
          /** Sources never banned or limited, e.g. the district's own SIS server. */
          allow_list: { type: 'strings', default: [] },
        },
      },
    },
  },
  web: {
    type: 'table',
    fields: {
      listen: { type: 'listen', default: '0.0.0.0:8080' },
      tls_cert: { type: 'path', default: '' },
      tls_key: { type: 'path', default: '' },
      session_idle_minutes: { type: 'int', default: 480, min: 1 },
      login_max_failures: { type: 'int', default: 10, min: 1 },
      login_window_seconds: { type: 'int', default: 600, min: 1 },
      /** Password checks (argon2) run at once over every address; the rest wait, taking turns by address. */
      login_concurrent_checks: { type: 'int', default: 2, min: 1, max: 16 },
      /** Days the audit log keeps an entry; 0 keeps every entry. */
      audit_retention_days: { type: 'int', default: 0, min: 0 },
      accounts: {
        type: 'tables',
        fields: {
          username: { type: 'string', required: true, pattern: USERNAME, hint: USERNAME_HINT },
          password_hash: { type: 'string', required: true, secret: true, pattern: ARGON2ID, hint: PHC_HINT },
          role: { type: 'enum', values: ['admin', 'staff'], default: 'staff' },
        },
      },
      /** The address staff use to reach the viewer, e.g. "https://photos.district.org"; OIDC redirects back to it. */
      public_url: { type: 'string', default: '' },
      /** Minutes a directory (OIDC or LDAP) sign-in is trusted before the directory is asked again. */
      directory_recheck_minutes: { type: 'int', default: 15, min: 1, max: 1440 },
      /** OpenID Connect sign-in (Google Workspace, Microsoft Entra ID, …); off while issuer is "". */
      oidc: {
        type: 'table',
        fields: {
          /** The button reads "Sign in with <display_name>"; "" picks Google or Microsoft from the issuer. */
          display_name: { type: 'string', default: '' },
          issuer: { type: 'string', default: '' },
          client_id: { type: 'string', default: '' },
          client_secret: { type: 'string', default: '', secret: true },
          client_secret_file: { type: 'path', default: '' },
          scopes: { type: 'strings', default: ['openid', 'email', 'profile'] },
          /** The ID-token claim listing the person's groups ("groups" for Entra ID). */
          groups_claim: { type: 'string', default: 'groups' },
          admin_groups: { type: 'strings', default: [] },
          staff_groups: { type: 'strings', default: [] },
          /** Google's `hd` (or the e-mail's domain where the provider sends no hd) must be one of these. */
          allowed_domains: { type: 'strings', default: [] },
          admin_emails: { type: 'strings', default: [] },
        },
      },
      /** LDAP or Active Directory sign-in with user name and password; off while url is "". */
      ldap: {
        type: 'table',
        fields: {
          /** ldaps://host:636, or ldap://host:389 which is always upgraded with StartTLS. */
          url: { type: 'string', default: '' },
          ca_file: { type: 'path', default: '' },
          bind_dn: { type: 'string', default: '' },
          bind_password_file: { type: 'path', default: '' },
          user_base: { type: 'string', default: '' },
          /** `{username}` is replaced by the typed name, escaped as RFC 4515 requires. */
          user_filter: { type: 'string', default: '(uid={username})' },
          admin_group: { type: 'string', default: '' },
          staff_group: { type: 'string', default: '' },
        },
      },
    },
  },
  photos: {
    type: 'table',
    fields: {
      history_versions: { type: 'int', default: 5, min: 1, max: 100 },
      max_input_pixels: { type: 'int', default: 50_000_000, min: 10_000 },
      workers: { type: 'int', default: 2, min: 1, max: 16 },
      /** Days a person may be inactive before their photos and photo history are purged; 0 keeps them. */
      retain_inactive_days: { type: 'int', default: 0, min: 0 },
    },
  },
  roster: {
    type: 'table',
    fields: {
      deactivate_missing: { type: 'strings', default: [], values: ['students', 'staff', 'oneroster', 'devices'] },
      hold_deactivate_percent: { type: 'int', default: 10, min: 0, max: 100 },
      hold_change_percent: { type: 'int', default: 75, min: 0, max: 100 },
      max_error_percent: { type: 'int', default: 5, min: 0, max: 100 },
      quiet_seconds: { type: 'int', default: 2, min: 0, max: 60 },
      clever_student_id: { type: 'string', default: 'Student_number' },
      clever_teacher_id: { type: 'string', default: 'Teacher_number' },
      /** The OneRoster users.csv column that is the Local ID (photo names match it). */
      oneroster_local_id: { type: 'enum', values: ['identifier', 'username', 'sourcedId'], default: 'identifier' },
      /** `[roster.buildings]`: building code → the name shown (`"101" = "Lincoln Elementary"`). */
      buildings: { type: 'names', maxLength: 100 },
      /** `[roster.grades]`: grade code → the name shown, over the defaults for common SIS codes. */
      grades: { type: 'names', maxLength: 32 },
      /** `[roster.mapping."pupils.csv"]`: a file name and which of its columns are ours. */
      mapping: { type: 'map', of: COLUMN_MAPPING },
    },
  },
  metrics: {
    type: 'table',
    fields: {
      /** Sources (IPs or CIDRs) that may read /metrics without the token. */
      allow: { type: 'strings', default: ['127.0.0.1', '::1'] },
      /** A bearer token that opens /metrics from anywhere; "" for none. */
      token: { type: 'string', default: '', secret: true },
      /** A file holding that token (kept out of appliance.toml); "" for none. */
      token_file: { type: 'path', default: '' },
    },
  },
  alerts: {
    type: 'table',
    fields: {
      /** JSON POST of every alert and resolve; "" for none. */
      webhook_url: { type: 'string', default: '', secret: true, pattern: /^$|^https?:\/\/\S+$/, hint: 'an http:// or https:// URL' },
      /** smtp://user:pass@host:587 or smtps://…:465; "" for no mail. */
      smtp_url: { type: 'string', default: '', secret: true, pattern: /^$|^smtps?:\/\/\S+$/, hint: 'an smtp:// or smtps:// URL' },
      from: { type: 'string', default: '' },
      to: { type: 'strings', default: [] },
      /** Refused uploads within an hour that raise an alert. */
      refused_per_hour: { type: 'int', default: 20, min: 1 },
      /** Less free space than this share of data_dir's disk raises an alert; 0 never. */
      min_free_percent: { type: 'int', default: 10, min: 0, max: 99 },
      /** A pending photo render older than this is a stuck render queue. */
      render_stuck_minutes: { type: 'int', default: 15, min: 1 },
      /** No backup within this many hours is an overdue backup; 0 never calls one overdue. */
      backup_overdue_hours: { type: 'int', default: 26, min: 0 },
    },
  },
  backup: {
    type: 'table',
    fields: {
      /** Where scheduled backups go, one folder each; outside data_dir, ideally another disk. */
      dir: { type: 'path', default: '' },
      /** Daily at this local time ("02:30"); "" takes no scheduled backups. */
      schedule: { type: 'string', default: '', pattern: /^$|^([01]\d|2[0-3]):[0-5]\d$/, hint: 'a time of day like "02:30" (24-hour, local time), or "" for none' },
      /** Scheduled backups kept in dir; older ones are deleted after each success. */
      keep: { type: 'int', default: 7, min: 1, max: 1000 },
    },
  },
  executable: {
    type: 'table',
    fields: {
      /** Where the single executable unpacks its native libraries; "" means `<data_dir>/runtime`. */
      cache_dir: { type: 'path', default: '' },
    },
  },
} as const satisfies Record<string, FieldSpec>;

export interface ListenAddress {
  host: string;
  port: number;
}

type Infer<S> = S extends { type: 'string' }
  ? string
  : S extends { type: 'int' }
    ? number
    : S extends { type: 'bool' }
      ? boolean
      : S extends { type: 'listen' }
        ? ListenAddress
        : S extends { type: 'path' }
          ? string
          : S extends { type: 'enum'; values: readonly (infer V)[] }
            ? V
            : S extends { type: 'strings' }
              ? string[]
              : S extends { type: 'table'; fields: infer F }
                ? { [K in keyof F]: Infer<F[K]> }
                : S extends { type: 'tables'; fields: infer F }
                  ? { [K in keyof F]: Infer<F[K]> }[]
                  : S extends { type: 'map'; of: infer F }
                    ? Record<string, { [K in keyof F]: Infer<F[K]> }>
                    : S extends { type: 'names' }
                      ? Record<string, string>
                      : never;

export type Config = { [K in keyof typeof SCHEMA]: Infer<(typeof SCHEMA)[K]> } & {
  /** Absolute path of the file this came from; "" for the embedded defaults. */
  config_file: string;
};
export type SftpConfig = Config['sftp'];
export type SftpAccountConfig = SftpConfig['accounts'][number];
export type WebConfig = Config['web'];
export type WebAccountConfig = WebConfig['accounts'][number];
export type OidcConfig = WebConfig['oidc'];
export type LdapConfig = WebConfig['ldap'];
export type PhotosConfig = Config['photos'];
export type RosterConfig = Config['roster'];
export type MetricsConfig = Config['metrics'];
export type AlertsConfig = Config['alerts'];
export type BackupConfig = Config['backup'];
