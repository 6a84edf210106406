/**
 * What crosses a thread boundary on one exchange channel, and the io-ts codecs that decode it
 * on arrival: a message from another thread is outside input, decoded before it is believed.
 * Downstream go frames — a batch of records or an in-band event, in the order they were sent
 * (docs/internals.md, invariant 1); upstream goes demand — record credits, and the frames the
 * consumer has taken off the channel. Records travel as one structured-clone message per batch
 * (docs/internals.md, "Exchange between threads").
 */
import * as t from 'io-ts';
import { CheckpointId } from '../checkpoint/CheckpointTypes';
import { ChannelEvent } from '../runtime/protocol';
import { Columns } from './batchColumns';

/** One batch of records with their event timestamps (NaN: none) side by side. */
export interface RecordsFrame {
  readonly type: 'records';
  readonly records: readonly unknown[];
  readonly timestamps: readonly number[];
}

/** A batch in columns (batchColumns.ts), with its timestamps in one Float64Array. */
export interface ColumnsFrame {
  readonly type: 'columns';
  readonly columns: Columns;
  readonly timestamps: Float64Array;
}

/** Producer to consumer, in send order. */
export type ExchangeFrame = RecordsFrame | ColumnsFrame | ChannelEvent;

/** Consumer to producer: `credits` more records may be sent; `frames` more frames were taken off the channel. */
export interface DemandFrame {
  readonly type: 'demand';
  readonly credits: number;
  readonly frames: number;
}

/** The timestamps of a batch: one loop over the array, not one codec call per element (this runs once per batch). */
const Timestamps = new t.Type<readonly number[], readonly number[], unknown>(
  'Timestamps',
  (u): u is readonly number[] => Array.isArray(u) && u.every((n) => typeof n === 'number'),
  (u, c) => {
    if (!Array.isArray(u)) return t.failure(u, c, 'timestamps must be an array');
    for (let i = 0; i < u.length; i++) if (typeof u[i] !== 'number') return t.failure(u[i], c, `timestamp ${i} is not a number`);
    return t.success(u as readonly number[]);
  },
  t.identity,
);

const RecordsFrameCodec = new t.Type<RecordsFrame, RecordsFrame, unknown>(
  'RecordsFrame',
  (u): u is RecordsFrame => RecordsFrameCodec.validate(u, [])._tag === 'Right',
  (u, c) => {
    const frame = u as { records?: unknown; timestamps?: unknown };
    if (!Array.isArray(frame.records)) return t.failure(u, c, 'records must be an array');
    const timestamps = Timestamps.validate(frame.timestamps, c);
    if (timestamps._tag === 'Left') return timestamps;
    if (timestamps.right.length !== frame.records.length) return t.failure(u, c, `${frame.records.length} records but ${timestamps.right.length} timestamps`);
    return t.success(u as RecordsFrame);
  },
  t.identity,
);

const isCount = (u: unknown): u is number => typeof u === 'number' && Number.isInteger(u) && u >= 0;

/** Checks a columns frame's layout down to each column's length (its values are the records' own, as in a records frame). */
function columnsProblem(u: unknown): string | undefined {
  const frame = u as { columns?: unknown; timestamps?: unknown };
  const c = frame.columns as { shape?: unknown; count?: unknown; values?: unknown; keys?: unknown; columns?: unknown } | undefined;
  if (typeof c !== 'object' || c === null || !isCount(c.count)) return 'columns must be an object with a count';
  const count = c.count;
  if (!(frame.timestamps instanceof Float64Array) || frame.timestamps.length !== count) return `timestamps must be a Float64Array of ${count}`;
  if (c.shape === 'numbers') return c.values instanceof Float64Array && c.values.length === count ? undefined : `values must be a Float64Array of ${count}`;
  if (c.shape !== 'objects') return `unknown columns shape ${JSON.stringify(c.shape)}`;
  if (!Array.isArray(c.keys) || !c.keys.every((k) => typeof k === 'string' && k !== '__proto__')) return 'keys must be an array of strings';
  if (!Array.isArray(c.columns) || c.columns.length !== c.keys.length) return `columns must be an array of ${c.keys.length}`;
  for (const column of c.columns) if (!((column instanceof Float64Array || Array.isArray(column)) && column.length === count)) return `each column must hold ${count} values`;
  return undefined;
}

const ColumnsFrameCodec = new t.Type<ColumnsFrame, ColumnsFrame, unknown>(
  'ColumnsFrame',
  (u): u is ColumnsFrame => columnsProblem(u) === undefined,
  (u, c) => {
    const problem = columnsProblem(u);
    return problem === undefined ? t.success(u as ColumnsFrame) : t.failure(u, c, problem);
  },
  t.identity,
);

const isCheckpointId = (u: unknown): u is CheckpointId => typeof u === 'number' && Number.isInteger(u) && u >= 1;
const CheckpointIdCodec = new t.Type<CheckpointId, number, unknown>(
  'CheckpointId',
  isCheckpointId,
  (u, c) => (isCheckpointId(u) ? t.success(u) : t.failure(u, c, 'a checkpoint id is an integer from 1')),
  (id) => id,
);

const Count = new t.Type<number, number, unknown>(
  'Count',
  (u): u is number => t.Int.is(u) && u >= 0,
  (u, c) => (t.Int.is(u) && u >= 0 ? t.success(u) : t.failure(u, c, 'a count is an integer from 0')),
  t.identity,
);

const WatermarkFrameCodec = t.type({ type: t.literal('watermark'), watermark: t.number });
const BarrierFrameCodec = t.type({ type: t.literal('barrier'), id: CheckpointIdCodec });
const BarrierCancelFrameCodec = t.type({ type: t.literal('barrier.cancel'), id: CheckpointIdCodec });

/** Decodes a frame by its `type` first, so that an error names the frame it is about. */
export const ExchangeFrameCodec: t.Type<ExchangeFrame, ExchangeFrame, unknown> = new t.Type<ExchangeFrame, ExchangeFrame, unknown>(
  'ExchangeFrame',
  (u): u is ExchangeFrame => ExchangeFrameCodec.validate(u, [])._tag === 'Right',
  (u, c) => {
    const type = typeof u === 'object' && u !== null ? (u as { type?: unknown }).type : undefined;
    switch (type) {
      case 'records':
        return RecordsFrameCodec.validate(u, c);
      case 'columns':
        return ColumnsFrameCodec.validate(u, c);
      case 'watermark':
        return WatermarkFrameCodec.validate(u, c);
      case 'barrier':
        return BarrierFrameCodec.validate(u, c);
      case 'barrier.cancel':
        return BarrierCancelFrameCodec.validate(u, c);
      case 'idle':
      case 'endOfInput':
        return t.success({ type });
      default:
        return t.failure(u, c, `not an exchange frame (type ${JSON.stringify(type)})`);
    }
  },
  t.identity,
);

export const DemandFrameCodec = t.type({ type: t.literal('demand'), credits: Count, frames: Count }, 'DemandFrame');
