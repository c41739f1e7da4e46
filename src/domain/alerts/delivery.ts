import { setTimeout as sleep } from 'node:timers/promises';
import type { Transporter } from 'nodemailer';
import { errorMessage } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { VERSION } from '../../version.ts';

/** One alert or its resolution, as the webhook receives it (JSON) and the mail tells it. */
export interface AlertMessage {
  status: 'firing' | 'resolved';
  /** Stable name of the cause, e.g. `disk-low` or `import-held:12`. */
  cause: string;
  title: string;
  detail: string;
  /** When the alert was raised (ISO). */
  since: string;
  /** When this message was made (ISO). */
  at: string;
  /** The host name of the appliance, so a district with two tells them apart. */
  appliance: string;
}

export interface RetryPolicy {
  /** Tries per message, the first included. */
  attempts: number;
  /** Wait before the second try; doubled for each one after, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long one try may take before it counts as failed. */
  timeoutMs: number;
}

/** About 20 minutes of tries: a receiver restarted or a mail server rebooted still gets the message. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 5_000, maxDelayMs: 5 * 60_000, timeoutMs: 15_000 };

/** Messages waiting per channel; past this the oldest is dropped (and logged), so a dead receiver cannot fill memory. */
export const MAX_QUEUED = 100;

export interface Channel {
  readonly name: string;
  send(message: AlertMessage, signal: AbortSignal): Promise<void>;
}

/** A JSON POST of the message; any 2xx answer is delivered. */
export function webhookChannel(url: string): Channel {
  return {
    name: 'webhook',
    async send(message, signal) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': `idphotos/${VERSION}` },
        body: JSON.stringify(message),
        signal,
      });
      // NB: read the body so the connection is released whatever the status.
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`the webhook answered ${res.status} ${res.statusText}`);
    },
  };
}

/** A plain-text mail through the server of `smtpUrl` (nodemailer). */
export function mailChannel(options: { smtpUrl: string; from: string; to: readonly string[]; timeoutMs: number }): Channel {
  const url = new URL(options.smtpUrl);
  // NB: nodemailer loads at the first mail, not at start: most of the time no alert is sent, and
  // it is about 15 ms of the executable's start-up (bench/startup.mjs).
  let transport: Promise<Transporter> | undefined;
  const open = () =>
    (transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({
        url: options.smtpUrl,
        // NB: over smtp:// nodemailer uses STARTTLS only when the server offers it, so a server
        // without it, or anyone in between who strikes it from the greeting, would get the password
        // in plain text. With a password in the URL, no TLS means no mail (and the log says so).
        ...(url.protocol === 'smtp:' && (url.username || url.password) ? { requireTLS: true } : {}),
        connectionTimeout: options.timeoutMs,
        greetingTimeout: options.timeoutMs,
        socketTimeout: options.timeoutMs,
      }),
    ));
  return {
    name: 'mail',
    async send(message, signal) {
      const mail = (await open()).sendMail({ from: options.from, to: [...options.to], subject: mailSubject(message), text: mailText(message) });
      await new Promise<void>((resolve, reject) => {
        const abort = () => reject(signal.reason ?? new Error('aborted'));
        signal.addEventListener('abort', abort, { once: true });
        mail.then(() => resolve(), reject).finally(() => signal.removeEventListener('abort', abort));
      });
    },
  };
}

export function mailSubject(m: AlertMessage): string {
  return `[idphotos ${m.appliance}] ${m.status === 'firing' ? 'ALERT' : 'RESOLVED'}: ${m.title}`;
}

function mailText(m: AlertMessage): string {
  return [
    m.status === 'firing' ? `Alert on idphotos at ${m.appliance}: ${m.title}` : `Resolved on idphotos at ${m.appliance}: ${m.title}`,
    '',
    m.detail,
    '',
    m.status === 'firing' ? `Raised: ${m.since}` : `Raised: ${m.since}\nResolved: ${m.at}`,
    `Cause: ${m.cause}`,
    '',
    'The admin status page of the web viewer shows the alerts raised now.',
  ].join('\n');
}

/**
 * Sends each message on every channel, in order, in the background: `send` returns at once, so
 * an upload or an import that raises an alert never waits for a receiver. A failed try is
 * retried with back-off; a message still undelivered after the last try is logged and dropped.
 */
export interface Delivery {
  send(message: AlertMessage): void;
  /** Resolves when every queued message is delivered or given up (tests). */
  idle(): Promise<void>;
  /** Abandons the tries under way and the queue (logged), promptly. */
  stop(): Promise<void>;
}

export function createDelivery(channels: readonly Channel[], log: Logger, retry: RetryPolicy = DEFAULT_RETRY): Delivery {
  const stopping = new AbortController();
  const queues = channels.map((channel) => ({ channel, waiting: [] as AlertMessage[], running: Promise.resolve() }));

  const deliver = async (channel: Channel, message: AlertMessage): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await channel.send(message, AbortSignal.any([stopping.signal, AbortSignal.timeout(retry.timeoutMs)]));
        log.info({ channel: channel.name, cause: message.cause, status: message.status, attempt }, `alert ${message.status} sent by ${channel.name}: ${message.title}`);
        return;
      } catch (err) {
        if (stopping.signal.aborted) {
          log.warn({ channel: channel.name, cause: message.cause, status: message.status }, `alert not sent by ${channel.name}: the appliance stopped`);
          return;
        }
        if (attempt >= retry.attempts) {
          log.error({ channel: channel.name, cause: message.cause, status: message.status, attempts: attempt, err: errorMessage(err) }, `alert not sent by ${channel.name} after ${attempt} tries, dropped: ${message.title}`);
          return;
        }
        const delay = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
        log.warn({ channel: channel.name, cause: message.cause, attempt, retryInMs: delay, err: errorMessage(err) }, `alert not sent by ${channel.name}; trying again`);
        await sleep(delay, undefined, { signal: stopping.signal }).catch(() => undefined);
      }
    }
  };

  return {
    send(message) {
      if (stopping.signal.aborted) return;
      for (const q of queues) {
        if (q.waiting.length >= MAX_QUEUED) {
          const dropped = q.waiting.shift()!;
          log.error({ channel: q.channel.name, cause: dropped.cause, status: dropped.status }, `alert queue of ${q.channel.name} full (${MAX_QUEUED}): dropped the oldest, ${dropped.title}`);
        }
        q.waiting.push(message);
        q.running = q.running.then(async () => {
          const next = q.waiting.shift();
          if (next) await deliver(q.channel, next);
        });
      }
    },
    async idle() {
      for (const q of queues) await q.running;
    },
    async stop() {
      stopping.abort();
      await Promise.all(queues.map((q) => q.running));
    },
  };
}
