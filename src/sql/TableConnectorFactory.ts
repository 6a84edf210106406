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
  /** The option's text, or `fallback` when it is not given. */
  string(key: string, fallback?: string): string | undefined;
  /** The option as an integer, or `fallback` when it is not given; refuses another value. */
  integer(key: string, fallback?: number): number | undefined;
  /** The option, one of `allowed`, or `fallback` when it is not given; refuses another value. */
  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T;
}

/** What a connector factory is given for one CREATE TABLE: the table's name, columns and WITH options. */
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
  /** The rows of the table, read into the environment's job. */
  readonly source?: (env: StreamEnvironment) => DataStream<readonly unknown[]>;
  readonly sink?: {
    /** Whether the sink takes an updating changelog (update-before/after, delete) or inserts only. */
    readonly acceptsUpdates: boolean;
    /** Sends the stream of changes written to the table to its destination (a sink). */
    write(stream: DataStream<Change>): void;
  };
}

/**
 * A connector of the application's own (`tEnv.registerTableConnector(name, factory)`), for `'connector' =
 * '<name>'`.
 */
export interface TableConnectorFactory {
  /** The option names the connector reads, for the message that refuses an unknown one. */
  readonly optionNames: readonly string[];
  /** The connector of one table; report bad options with `context.problem`. */
  create(context: TableConnectorContext): CustomTableConnector;
}
