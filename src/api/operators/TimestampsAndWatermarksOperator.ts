/**
 * Assigns event timestamps and generates watermarks after each batch (bounded
 * out-of-orderness), and declares its output idle after a period without records. Watermarks
 * from upstream are replaced by its own, except the final one at end of input. With watermark
 * alignment, chained to its source, it pauses the source's reading while its watermark is
 * too far ahead of its group's (WatermarkAlignment.ts).
 */
import { OperatorContext, Output, StreamOperator } from '../../graph/StreamOperator';
import { WatermarkStrategy } from '../../time/WatermarkStrategy';
import { AlignmentMember, joinAlignmentGroup } from '../../time/WatermarkAlignment';

export class TimestampsAndWatermarksOperator<T> implements StreamOperator<T, T> {
  private out!: Output<T>;
  private context!: OperatorContext;
  private maxTimestamp = -Infinity;
  private emitted = -Infinity;
  private sawRecords = false;
  private idle = false;
  private cancelIdleCheck: (() => void) | undefined;
  private alignment: AlignmentMember | undefined;

  constructor(private readonly strategy: WatermarkStrategy<T>) {}

  open(context: OperatorContext, output: Output<T>): void {
    this.context = context;
    this.out = output;
    if (this.strategy.idlenessMs !== undefined) this.scheduleIdleCheck();
    const aligned = this.strategy.alignment;
    if (aligned !== undefined) {
      const source = context.chainedSource;
      if (source === undefined) {
        throw new Error(
          `withWatermarkAlignment('${aligned.group}', ...) pauses a source, so its assignTimestampsAndWatermarks must come right after the source (chained to it), not after '${context.operatorName}' follows another operator's output`,
        );
      }
      this.alignment = joinAlignmentGroup(source.run, aligned.group, aligned.maxDriftMs);
      // Said once per group and task manager, by the member that made the group there.
      if (context.toApplication !== undefined && this.alignment.first) {
        context.logger.warn(`watermark alignment group '${aligned.group}' aligns the sources of this task manager only: sources on other task managers are not held to it`);
      }
    }
  }

  processElement(record: T): void {
    const time = this.context.time;
    const assign = this.strategy.timestampAssigner;
    if (assign !== undefined) time.timestamp = assign(record, time.timestamp);
    if (time.timestamp > this.maxTimestamp) this.maxTimestamp = time.timestamp;
    this.sawRecords = true;
    this.out.collect(record);
  }

  endOfBatch(): void {
    const bound = this.strategy.outOfOrdernessMs;
    if (bound === undefined || this.maxTimestamp === -Infinity) return;
    const watermark = this.maxTimestamp - bound - 1;
    if (watermark > this.emitted || this.idle) {
      this.idle = false;
      this.emitted = Math.max(this.emitted, watermark);
      this.out.emitWatermark(this.emitted);
      this.alignment?.report(this.emitted);
    }
    const alignment = this.alignment;
    if (alignment !== undefined && !alignment.mayRead()) this.context.chainedSource!.pauseUntil(alignment.whenMayRead());
  }

  processWatermark(watermark: number): void {
    // Only the end of event time passes: this operator makes the watermarks downstream.
    if (watermark === Infinity) {
      this.alignment?.report(Infinity);
      this.out.emitWatermark(watermark);
    }
  }

  private scheduleIdleCheck(): void {
    const timeout = this.strategy.idlenessMs!;
    const ctx = this.context;
    this.cancelIdleCheck = ctx.processingTime.registerTimer(ctx.processingTime.now() + timeout, () => {
      if (!this.sawRecords && !this.idle) {
        this.idle = true;
        this.alignment?.idle();
        this.out.emitIdle();
      }
      this.sawRecords = false;
      this.scheduleIdleCheck();
    });
  }

  close(): void {
    this.cancelIdleCheck?.();
    this.alignment?.leave();
  }
}
