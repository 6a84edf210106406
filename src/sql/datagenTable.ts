/**
 * The datagen table connector: rows made up from the row number, as fast as read or at a
 * set rate.
 */
import { GeneratorSource } from '../connectors/GeneratorSource';
import { RateLimitedSource } from './RateLimitedSource';
import { SqlProblem } from './SqlProblem';
import type { TableConnector } from './tableConnectors';
import { OptionReader, TableOptions } from './tableOptions';
import { Field, Row } from './types';

/**
 * Flink's datagen: 'number-of-rows' (unbounded without it), 'rows-per-second', and per field
 * 'fields.<name>.kind' = 'sequence' ('start', 'end') or 'random' ('min', 'max', 'length').
 * Random values come from a hash of the row number and the field, so a run is repeatable.
 */
export function datagen(physical: readonly Field[], options: TableOptions, reader: OptionReader & { unread(s: string): void }, problems: SqlProblem[]): TableConnector {
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
