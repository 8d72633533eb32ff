/**
 * The record of the gateway we started, kept in the state folder, so that after the app itself
 * crashes the next start finds that gateway and adopts it (and knows it may stop it) rather than
 * starting a second one or leaving it orphaned.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readSmallFile } from '../small-file.js';
import { isTargetAlive, realProcessOs, type ProcessOs } from './process-tree.js';

export const PidRecordSchema = z.object({
  /** run.sh's pid, which leads the process group java is in (Windows: cmd's, java's parent). */
  pid: z.number().int().positive(),
  /**
   * The pid that listens on the port once the gateway serves (java), when it could be found: still
   * ours if its parent is gone (Windows has no process groups to find it by).
   */
  listenerPid: z.number().int().positive().optional(),
  port: z.number().int().min(1).max(65535),
  tls: z.boolean(),
  folder: z.string(),
  /** The conf passed to run.sh, relative to the folder. */
  conf: z.string(),
  startedAt: z.number(),
  /**
   * When another process (`ibkr-tray gateway stop`) asked this gateway to stop: written before it
   * signals the tree, so the supervisor watching it takes the exit for the user's stop, not a crash.
   */
  stopAskedAt: z.number().optional(),
});
export type PidRecord = z.infer<typeof PidRecordSchema>;

export class PidFile {
  readonly file: string;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'gateway.pid.json');
  }

  /** The record, or null when there is none or it is unreadable (then it is ignored, not trusted). */
  read(): PidRecord | null {
    try {
      // Never a plain read: a FIFO in the record's place would block this synchronous read forever.
      const found = readSmallFile(this.file, { maxBytes: 64 * 1024 });
      if (found.kind !== 'text') return null;
      const parsed = PidRecordSchema.safeParse(JSON.parse(found.text));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  /** Write atomically (temp file + rename) so a crash never leaves half a record. */
  write(record: PidRecord): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(record), { mode: 0o600 });
    fs.renameSync(temp, this.file);
  }

  remove(): void {
    fs.rmSync(this.file, { force: true });
  }
}

/**
 * The record, when it is `folder`'s and some of the tree it names still lives (its leader's process
 * group, run.sh/cmd itself, or the java recorded as listening): the one rule for "IBKR Tray's gateway
 * of this folder runs, on the port it was started on". Synchronous, so a new process knows where the
 * folder's gateway is before it sends anything; the supervisor's adoption checks more (the java
 * still listens on that port) before it takes the tree as its own.
 */
export function liveRecord(pidFile: PidFile, folder: string, os: ProcessOs = realProcessOs()): PidRecord | null {
  const record = pidFile.read();
  if (!record || path.resolve(record.folder) !== path.resolve(folder)) return null;
  const target = { pid: record.pid, group: os.platform !== 'win32', ...(record.listenerPid === undefined ? {} : { also: [record.listenerPid] }) };
  return isTargetAlive(target, os) ? record : null;
}
