/** The Nexmark queries by id, with what the benchmark needs to know of each. */
import { DataStream } from '../../../src';
import { NexmarkEvent } from '../model';
import { q0 } from './q0';
import { q1 } from './q1';
import { q2 } from './q2';
import { q3 } from './q3';
import { q4 } from './q4';
import { q5 } from './q5';
import { q6 } from './q6';
import { q7 } from './q7';
import { q8 } from './q8';

export interface NexmarkQuery<T> {
  readonly query: (events: DataStream<NexmarkEvent>) => DataStream<T>;
  readonly description: string;
  /** Flink 1.13's published throughput per core (events/s), from the Nexmark project's README; undefined: Flink does not run it (q6). */
  readonly flinkPerCore: number | undefined;
  /** Keeps keyed state (and runs on Redis in the benchmark); 'timers': with windows or timers too; undefined: stateless. */
  readonly state?: 'keyed' | 'timers';
}

const query = <T>(q: NexmarkQuery<T>) => q;

export const queries = {
  q0: query({ query: q0, description: 'pass-through', flinkPerCore: 155_000 }),
  q1: query({ query: q1, description: 'currency conversion', flinkPerCore: 158_000 }),
  q2: query({ query: q2, description: 'selection', flinkPerCore: 175_000 }),
  q3: query({ query: q3, description: 'local item suggestion (keyed join)', flinkPerCore: 152_000, state: 'keyed' }),
  q4: query({ query: q4, description: 'average price per category', flinkPerCore: 34_000, state: 'keyed' }),
  q5: query({ query: q5, description: 'hot items (sliding windows)', flinkPerCore: 22_000, state: 'timers' }),
  q6: query({ query: q6, description: 'average selling price by seller (last 10 closed auctions)', flinkPerCore: undefined, state: 'timers' }),
  q7: query({ query: q7, description: 'highest bid (tumbling windows)', flinkPerCore: 12_000, state: 'timers' }),
  q8: query({ query: q8, description: 'monitor new users (window join)', flinkPerCore: 146_000, state: 'timers' }),
};

export type QueryId = keyof typeof queries;
export const QUERY_IDS = Object.keys(queries) as QueryId[];
