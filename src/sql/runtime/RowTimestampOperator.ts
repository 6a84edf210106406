/**
 * Sets each record's event timestamp to its row's time attribute (window operators window
 * records by their timestamp). After an interval join a record has the timestamp of the row
 * whose arrival made it, which need not be the time attribute the join keeps.
 */
import { OperatorContext, Output, StreamOperator } from '../../graph/StreamOperator';
import { Change } from '../Change';

export class RowTimestampOperator implements StreamOperator<Change, Change> {
  private out!: Output<Change>;
  private context!: OperatorContext;

  constructor(private readonly timeField: number) {}

  open(context: OperatorContext, output: Output<Change>): void {
    this.context = context;
    this.out = output;
  }

  processElement(change: Change): void {
    this.context.time.timestamp = change.row[this.timeField] as number;
    this.out.collect(change);
  }
}
