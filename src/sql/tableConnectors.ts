/**
 * The connectors a CREATE TABLE ... WITH ('connector' = ...) can name, over the project's
 * sources and sinks: datagen, filesystem (csv or json lines), print, blackhole and kafka.
 * Options are checked when the table is created: unknown or invalid ones are listed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DataStream, SingleOutputStream } from '../api/DataStream';
import { StreamEnvironment } from '../api/StreamEnvironment';
import { FileSink } from '../connectors/FileSink';
import { KafkaSink } from '../connectors/kafka/KafkaSink';
import { KafkaSource } from '../connectors/kafka/KafkaSource';
import { operationTimeoutProblem } from '../services/withinDeadline';
import { PrintSink } from '../connectors/PrintSink';
import { Sink } from '../graph/Sink';
import { Change } from './Change';
import { Compiled } from './compileExpression';
import { SqlPosition, SqlProblem } from './SqlProblem';
import { TableConnectorFactory } from './TableConnectorFactory';
import { right } from 'fp-ts/Either';
import { datagen } from './datagenTable';
import { DeadLetterOutlet, decodeLines, encodeRow } from './lineFormats';
import { TableOptions, optionReader } from './tableOptions';
import { Field, Row, formatValue } from './types';

export interface TableSource {
  /** The columns the connector reads; computed columns are appended after them. */
  readonly physical: readonly Field[];
  readonly computed: readonly Compiled[];
  readonly watermark?: { readonly field: number; readonly delayMs: number; readonly text: string };
  /** The physical rows; text that fails to decode goes to `deadLetters` (see sqlDeadLetters). */
  open(env: StreamEnvironment, deadLetters: DeadLetterOutlet): DataStream<Row>;
  /** The same rows, each made into `then`'s result in the operator that makes it (fromDataStream: one map for both). */
  openMapped?<U>(env: StreamEnvironment, deadLetters: DeadLetterOutlet, then: (row: Row) => U): SingleOutputStream<U>;
}

export interface TableSink {
  readonly acceptsUpdates: boolean;
  write(stream: DataStream<Change>, fields: readonly Field[]): void;
}

export interface TableConnector {
  readonly open?: TableSource['open'];
  readonly sink?: TableSink;
}

/** The connectors every table environment knows; others are registered (registerTableConnector). */
export const BUILT_IN_CONNECTORS = ['datagen', 'filesystem', 'print', 'blackhole', 'kafka'];

/** Builds the connector a table's WITH options describe, or records why it cannot. */
export function tableConnector(
  table: string,
  options: TableOptions,
  physical: readonly Field[],
  problems: SqlProblem[],
  at: SqlPosition,
  registered: ReadonlyMap<string, TableConnectorFactory>,
): TableConnector {
  const connector = options.get('connector');
  const known = [...BUILT_IN_CONNECTORS, ...registered.keys()].join(', ');
  if (connector === undefined) {
    problems.push({ ...at, message: `table '${table}' needs WITH ('connector' = ...): one of ${known}` });
    return {};
  }
  const reader = optionReader(options, problems, at);
  switch (connector.value) {
    case 'datagen':
      return datagen(physical, options, reader, problems);
    case 'filesystem': {
      const dir = reader.string('path');
      const format = reader.oneOf('format', ['csv', 'json'], 'csv');
      reader.unread("'path', 'format'");
      if (dir === undefined) problems.push({ ...at, message: "the filesystem connector needs 'path'" });
      const directory = dir ?? '';
      return {
        open: (env, deadLetters) => decodeLines(table, filesystemLines(env, directory), format, physical, deadLetters),
        sink: {
          acceptsUpdates: false,
          write: (stream, fields) => void stream.sinkTo(new FileSink<Change>(directory, (c) => encodeRow(c.row, fields, format))).name(`Sink: ${table}`),
        },
      };
    }
    case 'print': {
      reader.unread('none');
      return { sink: { acceptsUpdates: true, write: (stream, fields) => void stream.sinkTo(printSink(fields)).name(`Sink: ${table}`) } };
    }
    case 'blackhole':
      reader.unread('none');
      return { sink: { acceptsUpdates: true, write: (stream) => void stream.sinkTo(blackhole).name(`Sink: ${table}`) } };
    case 'kafka': {
      const topic = reader.string('topic');
      const servers = reader.string('properties.bootstrap.servers');
      const format = reader.oneOf('format', ['json', 'csv'], 'json');
      const startup = reader.oneOf('scan.startup.mode', ['earliest-offset', 'latest-offset'], 'earliest-offset');
      const bounded = reader.oneOf('scan.bounded.mode', ['unbounded', 'latest-offset'], 'unbounded');
      // Without it, an INSERT INTO a missing topic fails at once naming it (KafkaSink's check).
      const autoCreate = reader.oneOf('sink.allow-auto-topic-creation', ['true', 'false'], 'false') === 'true';
      const operationTimeoutMs = reader.integer('operation-timeout-ms', undefined);
      reader.unread("'topic', 'properties.bootstrap.servers', 'format', 'scan.startup.mode', 'scan.bounded.mode', 'sink.allow-auto-topic-creation', 'operation-timeout-ms'");
      const timeoutProblem = operationTimeoutProblem(operationTimeoutMs);
      if (timeoutProblem !== undefined) problems.push({ ...(options.get('operation-timeout-ms')?.pos ?? at), message: `option 'operation-timeout-ms': ${timeoutProblem}` });
      const bound = timeoutProblem === undefined && operationTimeoutMs !== undefined ? { operationTimeoutMs } : {};
      if (topic === undefined) problems.push({ ...at, message: "the kafka connector needs 'topic'" });
      if (servers === undefined) problems.push({ ...at, message: "the kafka connector needs 'properties.bootstrap.servers'" });
      const brokers = (servers ?? '').split(',');
      return {
        open: (env, deadLetters) =>
          decodeLines(
            table,
            env.fromKafka(
              new KafkaSource<string>({
                brokers,
                topics: [topic ?? ''],
                format: { deserialize: (record) => right(record.value === null ? '' : record.value.toString('utf8')) },
                startFrom: startup === 'earliest-offset' ? 'earliest' : 'latest',
                boundedness: bounded === 'latest-offset' ? 'bounded' : 'unbounded',
                ...bound,
              }),
              `kafka-${table}`,
            ),
            format,
            physical,
            deadLetters,
          ),
        sink: {
          acceptsUpdates: false,
          // Exactly-once when the job checkpoints exactly-once: records are written in Kafka transactions.
          write: (stream, fields) =>
            void stream
              .sinkTo(KafkaSink.exactlyOnce<Change>({ brokers, topic: topic ?? '', allowAutoTopicCreation: autoCreate, ...bound, serialize: (c) => ({ value: encodeRow(c.row, fields, format) }) }))
              .name(`Sink: ${table}`),
        },
      };
    }
    default: {
      const factory = registered.get(connector.value);
      if (factory === undefined) {
        problems.push({ ...connector.pos, message: `unknown connector '${connector.value}': use one of ${known}` });
        return {};
      }
      return registeredConnector(table, factory, physical, options, reader, problems, at);
    }
  }
}

/** A registered connector's table, its options and problems checked as the built-in ones'. */
function registeredConnector(
  table: string,
  factory: TableConnectorFactory,
  physical: readonly Field[],
  options: TableOptions,
  reader: ReturnType<typeof optionReader>,
  problems: SqlProblem[],
  at: SqlPosition,
): TableConnector {
  let created: ReturnType<TableConnectorFactory['create']>;
  try {
    created = factory.create({
      table,
      columns: physical.map((f) => ({ name: f.name, type: f.type })),
      options: reader,
      problem: (message, option) => problems.push({ ...((option !== undefined ? options.get(option)?.pos : undefined) ?? at), message }),
    });
  } catch (e) {
    problems.push({ ...at, message: `connector '${options.get('connector')!.value}' failed to create table '${table}': ${(e as Error).message}` });
    return {};
  }
  reader.unread(factory.optionNames.map((n) => `'${n}'`).join(', ') || 'none');
  const { source, sink } = created;
  return {
    open: source,
    sink: sink === undefined ? undefined : { acceptsUpdates: sink.acceptsUpdates, write: (stream) => sink.write(stream) },
  };
}

const blackhole: Sink<Change> = { name: 'BlackHole Sink', createWriter: () => ({ write: () => undefined }) };

/** Flink's print format: `+I[1, a]`. */
export function printSink(fields: readonly Field[], write?: (line: string) => void): Sink<Change> {
  const sink = new PrintSink<string>(write);
  return {
    name: 'Print Sink',
    createWriter: (ctx) => {
      const writer = sink.createWriter(ctx);
      return { ...writer, write: (records: readonly Change[]) => writer.write(records.map((c) => `${c.kind}[${c.row.map((v, i) => formatValue(v, fields[i].type)).join(', ')}]`)) };
    },
  } as Sink<Change>;
}

function filesystemLines(env: StreamEnvironment, target: string): DataStream<string> {
  let files = [target];
  try {
    if (fs.statSync(target).isDirectory()) files = fs.readdirSync(target).filter((f) => !f.startsWith('.')).sort().map((f) => path.join(target, f));
  } catch {
    // A missing path fails when the source opens, with the file source's own message.
  }
  const [first, ...rest] = files.map((f) => env.readTextFile(f));
  return rest.length === 0 ? first : first.union(...rest);
}
