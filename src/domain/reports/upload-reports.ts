import { wrapFolder, type CommitRequest, type IncomingFolder, type UploadRefusal } from '../incoming/folder.ts';
import { AppError, errorMessage } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { localDay } from '../../shared/time.ts';
import type { UploadReportStore } from '../../storage/upload-report-store.ts';

/** What became of a received file, as /reports/ says it. */
export type UploadOutcome = 'stored' | 'replaced' | 'waiting for its user' | 'refused';

/** How a folder tells the outcome of a commit: looked at before it (was there one?) and after. */
export interface OutcomeRules<T = unknown> {
  before(name: string): T;
  after(name: string, before: T): { outcome: UploadOutcome; reason: string };
}

/**
 * Records every file an SFTP session delivers, with its outcome and reason, for the /reports/
 * folder an unattended script reads back. Only the file name, the Local ID in it and the
 * reason are kept: no other student data.
 */
export class UploadReports {
  constructor(private readonly opts: { store: Pick<UploadReportStore, 'insertUploadReport'>; timezone: string; log: Logger }) {}

  record(e: { session?: string | undefined; account: string; folder: string; file: string; bytes: number; outcome: UploadOutcome; reason: string }): void {
    const now = new Date();
    try {
      this.opts.store.insertUploadReport({
        session: e.session ?? '', account: e.account, received_at: now.toISOString(), day: localDay(now, this.opts.timezone),
        folder: e.folder, file: e.file, bytes: e.bytes, outcome: e.outcome, reason: e.reason,
      });
    } catch (err) {
      // A full disk refuses this write too; the upload's own outcome and log line stand.
      this.opts.log.error({ err: errorMessage(err), file: e.file }, 'could not add the upload to /reports/');
    }
  }

  /** `folder` with every commit and refusal recorded here, the outcome told by `rules`. */
  wrap<T>(folder: IncomingFolder, rules: OutcomeRules<T>): IncomingFolder {
    const record = (r: CommitRequest | UploadRefusal, size: number, outcome: UploadOutcome, reason: string) =>
      this.record({ session: r.session, account: r.account, folder: folder.name, file: r.name, bytes: size, outcome, reason });
    return wrapFolder(folder, {
      async commit(req: CommitRequest) {
        const before = rules.before(req.name);
        try {
          await folder.commit(req);
        } catch (err) {
          record(req, req.size, 'refused', err instanceof AppError ? err.message : 'the server could not store it (see its log)');
          throw err;
        }
        const { outcome, reason } = rules.after(req.name, before);
        record(req, req.size, outcome, reason);
      },
      recordRefusal(r: UploadRefusal) {
        record(r, r.bytes, 'refused', r.reason);
        folder.recordRefusal?.(r);
      },
    });
  }
}
