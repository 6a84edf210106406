/**
 * An exactly-once file sink built on two-phase commit: each transaction writes a hidden
 * in-progress file; pre-commit syncs it; commit renames it to its visible part-file name.
 * Readers of the directory see only committed part files:
 *
 *   <dir>/part-<instance>-<transaction>          committed, visible
 *   <dir>/.part-<instance>-<transaction>.inprogress   being written, or waiting for its checkpoint
 *
 * Commit is idempotent (a part file already visible stays as it is) and abort deletes the
 * in-progress file. After a restore, instance i deletes the in-progress files the restored
 * checkpoint does not list of every instance index j with j mod parallelism = i: its own, and
 * after a scale-down those of former instances that no longer exist. A listed file is never
 * deleted there, whichever instance is to commit it.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import * as t from 'io-ts';
import { codecSerializer } from '../state/Serializer';
import { formatRecord } from './PrintSink';
import { SinkContext } from '../graph/Sink';
import { TwoPhaseCommitSink, TwoPhaseCommitWriter } from '../graph/TwoPhaseCommitSink';

const FileTransactionCodec = t.type({ part: t.string });
/** A file sink's transaction, as checkpoints keep it: the part file it writes. */
export type FileTransaction = t.TypeOf<typeof FileTransactionCodec>;

const inProgressName = (part: string) => `.${part}.inprogress`;
let counter = 0;

/**
 * Writes lines into part files of a directory, exactly once: a part is renamed into sight when its checkpoint
 * completes.
 */
export class FileSink<T> implements TwoPhaseCommitSink<T, FileTransaction> {
  readonly name: string;
  readonly twoPhaseCommit = true;
  readonly transactionSerializer = codecSerializer(FileTransactionCodec);

  constructor(private readonly directory: string, private readonly format: (record: T) => string = formatRecord) {
    this.name = `File Sink (${directory})`;
  }

  /** Called by the runtime: one writer per parallel instance, created in its task. */
  createWriter({ index, parallelism }: SinkContext): TwoPhaseCommitWriter<T, FileTransaction> {
    const { directory, format, name: sinkName } = this;
    const open = new Map<string, fs.FileHandle>();
    const file = (name: string) => path.join(directory, name);
    const closeHandle = async (part: string) => {
      const handle = open.get(part);
      open.delete(part);
      await handle?.close();
    };
    const exists = (p: string) => fs.access(p).then(() => true, () => false);
    /** Set by close: a transaction whose file opens after it is not kept (its handle would never be closed). */
    let closed = false;
    return {
      async open() {
        await fs.mkdir(directory, { recursive: true });
      },
      async beginTransaction() {
        // Time first, so part files of one instance sort in the order they were written.
        const part = `part-${index}-${Date.now().toString(36).padStart(9, '0')}-${(++counter).toString(36).padStart(4, '0')}`;
        const handle = await fs.open(file(inProgressName(part)), 'w');
        if (closed) {
          // The task stopped while the file was opening: nothing may hold it open after close.
          await handle.close();
          await fs.rm(file(inProgressName(part)), { force: true });
          throw new Error(`${sinkName}: writer ${index} is closed; transaction ${part} not begun`);
        }
        open.set(part, handle);
        return { part };
      },
      async write({ part }, records) {
        let text = '';
        for (const r of records) text += `${format(r)}\n`;
        await open.get(part)!.write(text);
      },
      async preCommit({ part }) {
        const handle = open.get(part);
        if (handle === undefined) return;
        await handle.sync();
        await closeHandle(part);
      },
      async commit({ part }) {
        await closeHandle(part);
        if (await exists(file(inProgressName(part)))) await fs.rename(file(inProgressName(part)), file(part));
        else if (!(await exists(file(part)))) throw new Error(`cannot commit ${file(part)}: neither it nor its in-progress file exists`);
      },
      async abort({ part }) {
        await closeHandle(part);
        await fs.rm(file(inProgressName(part)), { force: true });
      },
      async abortLingering(known) {
        const keep = new Set(known.map((k) => inProgressName(k.part)));
        for (const name of await fs.readdir(directory)) {
          const writer = /^\.part-(\d+)-.*\.inprogress$/.exec(name);
          if (writer !== null && Number(writer[1]) % parallelism === index && !keep.has(name)) await fs.rm(file(name), { force: true });
        }
      },
      async close() {
        closed = true;
        for (const part of [...open.keys()]) await closeHandle(part);
      },
    };
  }
}
