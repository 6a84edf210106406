/**
 * The connectors a CREATE TABLE ... WITH ('connector' = ...) can name, over the project's
 * sources and sinks: datagen, filesystem (csv or json lines), print, blackhole and kafka.
 * Options are checked when the table is created: unknown or invalid ones are listed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DataStream } from '../api/DataStream';
import { StreamEnvironment } from '../api/StreamEnvironment';
import { OutputTag } from '../graph/OutputTag';
import { ProcessFunction, ProcessContext } from '../api/ProcessFunction';
import { Collector } from '../graph/Collector';
import { FileSink } from '../connectors/FileSink';
import { GeneratorSource } from '../connectors/GeneratorSource';
import { RateLimitedSource } from './RateLimitedSource';
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
import { Field, Row, SqlType, formatValue, parseTimestamp } from './types';

export interface TableSource {
  /** The columns the connector reads; computed columns are appended after them. */
  readonly physical: readonly Field[];
  readonly computed: readonly Compiled[];
  readonly watermark?: { readonly field: number; readonly delayMs: number; readonly text: string };
  /** The physical rows; text that fails to decode goes to `deadLetters` (see sqlDeadLetters). */
  open(env: StreamEnvironment, deadLetters: DeadLetterOutlet): DataStream<Row>;
}

/** Where a source hands the dead-letter stream of its decoder. */
export type DeadLetterOutlet = (stream: DataStream<SqlDeadLetter>) => void;

export interface TableSink {
  readonly acceptsUpdates: boolean;
  write(stream: DataStream<Change>, fields: readonly Field[]): void;
}

export interface TableConnector {
  readonly open?: TableSource['open'];
  readonly sink?: TableSink;
}

/** A line a filesystem or Kafka table could not decode, and why. */
export interface SqlDeadLetter {
  readonly table: string;
  readonly input: string;
  readonly reason: string;
}

/** The side output where tables put the input they cannot decode (see docs/sql.md). */
export const sqlDeadLetters = new OutputTag<SqlDeadLetter>('sql-dead-letters');

type Options = ReadonlyMap<string, { readonly value: string; readonly pos: SqlPosition }>;

interface OptionReader {
  string(key: string, fallback?: string): string | undefined;
  integer(key: string, fallback?: number): number | undefined;
  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T;
}

/** Reads options, recording a problem for each invalid one and for each it never read. */
function optionReader(options: Options, problems: SqlProblem[], at: SqlPosition): OptionReader & { unread(allowedPattern: string): void } {
  const read = new Set<string>(['connector']);
  const pos = (key: string) => options.get(key)?.pos ?? at;
  return {
    string(key, fallback) {
      read.add(key);
      return options.get(key)?.value ?? fallback;
    },
    integer(key, fallback) {
      read.add(key);
      const text = options.get(key)?.value;
      if (text === undefined) return fallback;
      const n = Number(text);
      if (!Number.isInteger(n)) problems.push({ ...pos(key), message: `option '${key}' must be an integer, got '${text}'` });
      return n;
    },
    oneOf(key, allowed, fallback) {
      read.add(key);
      const text = options.get(key)?.value;
      if (text === undefined) return fallback;
      if (!(allowed as readonly string[]).includes(text)) problems.push({ ...pos(key), message: `option '${key}' must be one of ${allowed.join(', ')}, got '${text}'` });
      return text as typeof fallback;
    },
    unread(allowed) {
      for (const key of options.keys()) {
        if (!read.has(key)) problems.push({ ...pos(key), message: `unknown option '${key}' for this connector (supported: ${allowed})` });
      }
    },
  };
}

/** The connectors every table environment knows; others are registered (registerTableConnector). */
export const BUILT_IN_CONNECTORS = ['datagen', 'filesystem', 'print', 'blackhole', 'kafka'];

/** Builds the connector a table's WITH options describe, or records why it cannot. */
export function tableConnector(
  table: string,
  options: Options,
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
  options: Options,
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

function encodeRow(row: Row, fields: readonly Field[], format: 'csv' | 'json'): string {
  if (format === 'json') return JSON.stringify(Object.fromEntries(fields.map((f, i) => [f.name, f.type === 'TIMESTAMP' && row[i] !== null ? formatValue(row[i], 'TIMESTAMP') : row[i]])));
  return row.map((v, i) => (v === null ? '' : csvQuote(formatValue(v, fields[i].type)))).join(',');
}

const csvQuote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') out.push(cur), (cur = '');
    else cur += c;
  }
  out.push(cur);
  return out;
}

/** A text value read as a column of this type; undefined when it is not one. */
export function decodeValue(value: unknown, type: SqlType): unknown {
  if (value === null || value === undefined || value === '') return null;
  switch (type) {
    case 'INT':
    case 'BIGINT': {
      const n = typeof value === 'number' ? value : Number(String(value).trim());
      return Number.isInteger(n) ? n : undefined;
    }
    case 'DOUBLE': {
      const n = typeof value === 'number' ? value : Number(String(value).trim());
      return Number.isNaN(n) ? undefined : n;
    }
    case 'BOOLEAN':
      return value === true || value === 'true' ? true : value === false || value === 'false' ? false : undefined;
    case 'TIMESTAMP':
    case 'DATE':
      return typeof value === 'number' ? value : parseTimestamp(String(value)) ?? undefined;
    default:
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

class LineDecoder extends ProcessFunction<string, Row> {
  override readonly sideOutputTags = [sqlDeadLetters];
  constructor(private readonly table: string, private readonly format: 'csv' | 'json', private readonly fields: readonly Field[]) {
    super();
  }
  processElement(line: string, ctx: ProcessContext, out: Collector<Row>): void {
    if (line.trim() === '') return;
    const reason = this.decode(line, out);
    if (reason !== undefined) ctx.output(sqlDeadLetters, { table: this.table, input: line, reason });
  }
  private decode(line: string, out: Collector<Row>): string | undefined {
    let values: unknown[];
    if (this.format === 'csv') {
      values = splitCsv(line);
      if (values.length !== this.fields.length) return `expected ${this.fields.length} fields, found ${values.length}`;
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (e) {
        return `not JSON: ${(e as Error).message}`;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'not a JSON object';
      values = this.fields.map((f) => (parsed as Record<string, unknown>)[f.name] ?? null);
    }
    const row = new Array(this.fields.length);
    for (let i = 0; i < this.fields.length; i++) {
      const v = decodeValue(values[i], this.fields[i].type);
      if (v === undefined) return `column '${this.fields[i].name}': ${JSON.stringify(values[i])} is not of type ${this.fields[i].type}`;
      row[i] = v;
    }
    out.collect(row);
    return undefined;
  }
}

function decodeLines(table: string, lines: DataStream<string>, format: 'csv' | 'json', fields: readonly Field[], deadLetters: DeadLetterOutlet): DataStream<Row> {
  const decoded = lines.process(new LineDecoder(table, format, fields)).name(`Decode ${table} (${format})`);
  deadLetters(decoded.getSideOutput(sqlDeadLetters));
  return decoded;
}

/**
 * Flink's datagen: 'number-of-rows' (unbounded without it), 'rows-per-second', and per field
 * 'fields.<name>.kind' = 'sequence' ('start', 'end') or 'random' ('min', 'max', 'length').
 * Random values come from a hash of the row number and the field, so a run is repeatable.
 */
function datagen(physical: readonly Field[], options: Options, reader: OptionReader & { unread(s: string): void }, problems: SqlProblem[]): TableConnector {
  let rows = reader.integer('number-of-rows', Infinity) ?? Infinity;
  const rate = reader.integer('rows-per-second');
  if (rate !== undefined && !(rate > 0)) problems.push({ ...(options.get('rows-per-second')?.pos ?? { line: 1, column: 1 }), message: `option 'rows-per-second' must be positive, got ${rate}` });
  const generators = physical.map((f, column) => {
    const kind = reader.oneOf(`fields.${f.name}.kind`, ['random', 'sequence'], 'random');
    if (kind === 'sequence') {
      const start = reader.integer(`fields.${f.name}.start`, 0) ?? 0;
      const end = reader.integer(`fields.${f.name}.end`, Number.MAX_SAFE_INTEGER) ?? Number.MAX_SAFE_INTEGER;
      rows = Math.min(rows, end - start + 1);
      return (i: number) => (f.type === 'STRING' ? String(start + i) : start + i);
    }
    const min = reader.integer(`fields.${f.name}.min`, 0) ?? 0;
    const max = reader.integer(`fields.${f.name}.max`, 1000) ?? 1000;
    const length = reader.integer(`fields.${f.name}.length`, 8) ?? 8;
    return (i: number) => {
      const r = mix(i * 31 + column);
      switch (f.type) {
        case 'STRING':
          return r.toString(36).padStart(length, 'a').slice(0, length);
        case 'BOOLEAN':
          return r % 2 === 0;
        case 'DOUBLE':
          return min + (r / 0xffffffff) * (max - min);
        case 'TIMESTAMP':
        case 'DATE':
          return Date.UTC(2024, 0, 1) + (r % 86_400_000);
        default:
          return min + (r % (max - min + 1));
      }
    };
  });
  reader.unread("'number-of-rows', 'rows-per-second', 'fields.<name>.kind' ('sequence' or 'random'), 'fields.<name>.start', 'fields.<name>.end', 'fields.<name>.min', 'fields.<name>.max', 'fields.<name>.length'");
  const count = rows;
  const generate = (i: number): Row => generators.map((g) => g(i));
  return {
    open: (env) => {
      const source = new GeneratorSource<Row>(count, generate);
      return env.fromSource(rate !== undefined && rate > 0 ? new RateLimitedSource(source, rate) : source, 'datagen');
    },
  };
}

/** A 32-bit integer hash (murmur3's finalizer): repeatable pseudo-random values. */
function mix(n: number): number {
  let h = n | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
