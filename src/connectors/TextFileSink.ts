/**
 * Writes records as lines of text into a directory, one file per parallel instance
 * (`part-<index>`), appending each batch in order.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { formatRecord } from './PrintSink';
import { Sink, SinkContext, SinkWriter } from '../graph/Sink';

/** Appends records as lines to `part-<index>` files of a directory (at-least-once; `FileSink` is exactly-once). */
export class TextFileSink<T> implements Sink<T> {
  readonly name: string;
  constructor(private readonly directory: string, private readonly format: (record: T) => string = formatRecord) {
    this.name = `Text File Sink (${directory})`;
  }
  /** Called by the runtime: one writer per parallel instance, created in its task. */
  createWriter({ index }: SinkContext): SinkWriter<T> {
    const { directory, format } = this;
    let file: fs.FileHandle | undefined;
    return {
      async open() {
        await fs.mkdir(directory, { recursive: true });
        file = await fs.open(path.join(directory, `part-${index}`), 'w');
      },
      async write(records) {
        let text = '';
        for (const r of records) text += `${format(r)}\n`;
        await file!.write(text);
      },
      async finish() {
        await file?.sync();
      },
      async close() {
        await file?.close();
        file = undefined;
      },
    };
  }
}
