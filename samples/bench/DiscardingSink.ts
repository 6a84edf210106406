/**
 * A sink that drops what it receives, counting records and summing their values so that the
 * work before it cannot be optimised away and results can be compared with the baseline.
 * Each parallel writer owns one tally; read them once the job has finished. A writer in a task
 * manager (taskManagers above 1) sends its tally to this object at the end of its input.
 */
import type { Sink, SinkContext, SinkWriter } from '../../src/graph/Sink';
import { Tally, addTallies, emptyTally } from './workloads';

export class DiscardingSink implements Sink<number> {
  readonly name = 'Discarding Sink';
  private readonly tallies: Tally[] = [];

  createWriter({ index, toApplication }: SinkContext): SinkWriter<number> {
    const tally = (this.tallies[index] = emptyTally());
    return {
      write(records) {
        let checksum = 0;
        for (let i = 0; i < records.length; i++) checksum += records[i];
        tally.count += records.length;
        tally.checksum += checksum;
      },
      finish: () => toApplication?.({ index, count: tally.count, checksum: tally.checksum }),
    };
  }

  /** A writer's tally from a task manager. */
  fromTaskManager(message: unknown): void {
    const m = message as { index?: unknown; count?: unknown; checksum?: unknown };
    if (typeof m.index !== 'number' || typeof m.count !== 'number' || typeof m.checksum !== 'number') throw new Error(`DiscardingSink: a task manager sent what is not a tally: ${JSON.stringify(message)}`);
    this.tallies[m.index] = { count: m.count, checksum: m.checksum };
  }

  /** The tallies of all writers, added up. */
  total(): Tally {
    return addTallies(this.tallies);
  }
}
