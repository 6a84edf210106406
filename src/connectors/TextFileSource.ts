/**
 * Reads a text file line by line (non-parallel), in chunks, so memory holds at most one
 * chunk plus one partial line. Its position is the byte offset of the next line.
 */
import { promises as fs } from 'fs';
import { StringDecoder } from 'string_decoder';
import { PollResult, Source, SourceReader, SplitContext } from '../graph/Source';
import { restoredOffset } from './restoredPosition';

const CHUNK_BYTES = 64 * 1024;

export class TextFileSource implements Source<string> {
  readonly name: string;
  readonly parallel = false;
  constructor(private readonly path: string) {
    this.name = `Text File Source (${path})`;
  }
  createReader({ restoredPosition }: SplitContext): SourceReader<string> {
    const path = this.path;
    const start = restoredOffset(this.name, restoredPosition, 0);
    let file: fs.FileHandle | undefined;
    const decoder = new StringDecoder('utf8');
    let readOffset = start;
    /** Byte offset of the first line not yet emitted. */
    let lineOffset = start;
    let partial = '';
    let lines: string[] = [];
    let eof = false;
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);

    const fill = async (): Promise<void> => {
      const { bytesRead } = await file!.read(buffer, 0, CHUNK_BYTES, readOffset);
      readOffset += bytesRead;
      if (bytesRead === 0) {
        eof = true;
        const rest = partial + decoder.end();
        partial = '';
        if (rest.length > 0) lines.push(rest);
        return;
      }
      const parts = (partial + decoder.write(buffer.subarray(0, bytesRead))).split('\n');
      partial = parts.pop()!;
      lines = lines.concat(parts);
    };

    return {
      async open() {
        file = await fs.open(path, 'r');
      },
      async poll(max, emit): Promise<PollResult> {
        while (lines.length < max && !eof) await fill();
        const n = Math.min(max, lines.length);
        for (let i = 0; i < n; i++) {
          const line = lines[i];
          // The last line may lack its line end; never count past the end of the file.
          lineOffset = Math.min(lineOffset + Buffer.byteLength(line) + 1, readOffset);
          emit(line.endsWith('\r') ? line.slice(0, -1) : line);
        }
        lines = lines.slice(n);
        return eof && lines.length === 0 ? 'end' : 'more';
      },
      position: () => lineOffset,
      async close() {
        await file?.close();
        file = undefined;
      },
    };
  }
}
