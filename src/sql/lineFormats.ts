/**
 * Rows as lines of text, csv or json, for the filesystem and Kafka tables: encoding, decoding
 * by column type, and the dead letters of lines that do not decode (docs/sql.md).
 */
import { DataStream } from '../api/DataStream';
import { ProcessFunction, ProcessContext } from '../api/ProcessFunction';
import { Collector } from '../graph/Collector';
import { OutputTag } from '../graph/OutputTag';
import { Field, Row, SqlType, formatValue, parseTimestamp } from './types';

/** A line a filesystem or Kafka table could not decode, and why. */
export interface SqlDeadLetter {
  readonly table: string;
  readonly input: string;
  readonly reason: string;
}

/** The side output where tables put the input they cannot decode (see docs/sql.md). */
export const sqlDeadLetters = new OutputTag<SqlDeadLetter>('sql-dead-letters');

/** Where a source hands the dead-letter stream of its decoder. */
export type DeadLetterOutlet = (stream: DataStream<SqlDeadLetter>) => void;

export function encodeRow(row: Row, fields: readonly Field[], format: 'csv' | 'json'): string {
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

export function decodeLines(table: string, lines: DataStream<string>, format: 'csv' | 'json', fields: readonly Field[], deadLetters: DeadLetterOutlet): DataStream<Row> {
  const decoded = lines.process(new LineDecoder(table, format, fields)).name(`Decode ${table} (${format})`);
  deadLetters(decoded.getSideOutput(sqlDeadLetters));
  return decoded;
}
