/**
 * A sink that drops what it receives, counting records and summing their values so that the
 * work before it cannot be optimised away and results can be compared with the baseline.
 * Each parallel writer owns one tally; read them once the job has finished.
 */
import { Sink, SinkContext, SinkWriter } from '../../src';
import { Tally, addTallies, emptyTally } from './workloads';

export class DiscardingSink implements Sink<number> {
  readonly name = 'Discarding Sink';
  private readonly tallies: Tally[] = [];

  createWriter({ index }: SinkContext): SinkWriter<number> {
    const tally = (this.tallies[index] = emptyTally());
    return {
      write(records) {
        let checksum = 0;
        for (let i = 0; i < records.length; i++) checksum += records[i];
        tally.count += records.length;
        tally.checksum += checksum;
      },
    };
  }

  /** The tallies of all writers, added up. */
  total(): Tally {
    return addTallies(this.tallies);
  }
}
