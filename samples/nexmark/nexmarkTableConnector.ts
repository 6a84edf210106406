/**
 * The Nexmark generator as a SQL connector, for CREATE TABLE ... WITH ('connector' = 'nexmark'):
 * one table per kind of event, over the same deterministic stream as the DataStream queries
 * (the same seed and event count give the same bids, auctions and persons).
 *
 * @example
 * tEnv.registerTableConnector('nexmark', nexmarkTableConnector);
 * tEnv.executeSql(`CREATE TABLE bid (auction BIGINT, bidder BIGINT, price BIGINT, \`dateTime\` TIMESTAMP(3),
 *   WATERMARK FOR \`dateTime\` AS \`dateTime\` - INTERVAL '4' SECOND)
 *   WITH ('connector' = 'nexmark', 'kind' = 'bid', 'events' = '100000', 'seed' = '42')`);
 */
import { SqlType, TableConnectorFactory } from '../../src/sql';
import { NexmarkSource } from './NexmarkSource';
import { NexmarkEvent } from './model';

const KINDS = ['bid', 'auction', 'person'] as const;
type Kind = (typeof KINDS)[number];

/** The columns each kind of event offers, with the SQL type each must be declared with. */
const COLUMNS: Readonly<Record<Kind, Readonly<Record<string, SqlType>>>> = {
  bid: { auction: 'BIGINT', bidder: 'BIGINT', price: 'BIGINT', dateTime: 'TIMESTAMP', extra: 'STRING' },
  auction: {
    id: 'BIGINT',
    itemName: 'STRING',
    description: 'STRING',
    initialBid: 'BIGINT',
    reserve: 'BIGINT',
    dateTime: 'TIMESTAMP',
    expires: 'TIMESTAMP',
    seller: 'BIGINT',
    category: 'BIGINT',
    extra: 'STRING',
  },
  person: { id: 'BIGINT', name: 'STRING', emailAddress: 'STRING', creditCard: 'STRING', city: 'STRING', state: 'STRING', dateTime: 'TIMESTAMP', extra: 'STRING' },
};

export const nexmarkTableConnector: TableConnectorFactory = {
  optionNames: ['kind', 'events', 'seed', 'events-per-second'],
  create({ columns, options, problem }) {
    const kind = options.oneOf('kind', KINDS, 'bid');
    const events = options.integer('events');
    const seed = options.integer('seed');
    const eventsPerSecond = options.integer('events-per-second');
    if (events === undefined) problem("the nexmark connector needs 'events' (how many events of all kinds to generate)");
    else if (events < 0) problem(`'events' must be 0 or more, got ${events}`, 'events');
    // An unknown kind was refused by oneOf: its columns cannot be checked.
    const offered: Readonly<Record<string, SqlType>> = COLUMNS[kind] ?? {};
    for (const c of KINDS.includes(kind) ? columns : []) {
      const type = offered[c.name];
      if (type === undefined) problem(`a nexmark ${kind} has no column '${c.name}' (it has ${Object.keys(offered).join(', ')})`);
      // INT and BIGINT are both JavaScript numbers here; any other difference would misread values.
      else if (type !== c.type && !(type === 'BIGINT' && c.type === 'INT')) problem(`column '${c.name}' of a nexmark ${kind} is ${type}, declared ${c.type}`);
    }
    const names = columns.map((c) => c.name);
    return {
      source: (env) =>
        env
          .fromSource(new NexmarkSource({ events: events ?? 0, ...(seed !== undefined ? { seed } : {}), ...(eventsPerSecond !== undefined ? { eventsPerSecond } : {}) }))
          .filter((e: NexmarkEvent) => e.kind === kind)
          .map<readonly unknown[]>((e: NexmarkEvent) => names.map((n) => (e as unknown as Record<string, unknown>)[n])),
    };
  },
};
