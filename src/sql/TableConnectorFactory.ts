/**
 * Connectors of an application's own, for CREATE TABLE ... WITH ('connector' = '<name>'), as
 * Flink's DynamicTableFactory: registered on a TableEnvironment with `registerTableConnector`,
 * given the table's columns and options when a statement creates the table, and refusing bad
 * options or columns with problems that are listed with the statement's others.
 */
import { DataStream } from '../api/DataStream';
import { StreamEnvironment } from '../api/StreamEnvironment';
import { Change } from './Change';
import { SqlType } from './types';

/** The WITH options, read by name; each read is checked, and options never read are refused. */
export interface ConnectorOptions {
  string(key: string, fallback?: string): string | undefined;
  integer(key: string, fallback?: number): number | undefined;
  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T;
}

export interface TableConnectorContext {
  readonly table: string;
  /** The physical columns as declared (computed columns and the watermark come on top). */
  readonly columns: readonly { readonly name: string; readonly type: SqlType }[];
  readonly options: ConnectorOptions;
  /** Refuses the statement with this reason (at the option's position when one is named). */
  problem(message: string, option?: string): void;
}

/**
 * What a connector gives a table: a source of rows (arrays in the declared column order;
 * TIMESTAMP as epoch milliseconds, NULL as null), a sink, or both.
 */
export interface CustomTableConnector {
  readonly source?: (env: StreamEnvironment) => DataStream<readonly unknown[]>;
  readonly sink?: {
    /** Whether the sink takes an updating changelog (update-before/after, delete) or inserts only. */
    readonly acceptsUpdates: boolean;
    write(stream: DataStream<Change>): void;
  };
}

export interface TableConnectorFactory {
  /** The option names the connector reads, for the message that refuses an unknown one. */
  readonly optionNames: readonly string[];
  create(context: TableConnectorContext): CustomTableConnector;
}
