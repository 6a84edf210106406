/**
 * A row of a table's stream with its kind, as Flink's RowKind: +I insert, -U the row before an
 * update, +U the row after it, -D delete. An append-only stream only has +I.
 */
import { Row } from './types';

/** The kind of a change: +I insert, -U before an update, +U after it, -D delete. */
export type RowKind = '+I' | '-U' | '+U' | '-D';

/** A row and its kind, as a table's changelog stream carries it (columns in order). */
export interface Change {
  readonly kind: RowKind;
  readonly row: Row;
}

/** Whether the change adds its row to the table (+I, +U) or takes it out (-U, -D). */
export const isAccumulate = (kind: RowKind) => kind === '+I' || kind === '+U';

/** What `toChangelogStream()` emits: the kind and the row by column name. */
export interface ChangelogRow {
  readonly kind: RowKind;
  readonly row: Record<string, unknown>;
}
