/**
 * Enrichment from Redis with Async I/O: click events get their user's country from a Redis
 * hash, 100 lookups in flight per instance, then a count of clicks per country. Clicks of
 * users Redis does not know are dropped (the AsyncFunction emits no record for them); a
 * lookup that takes too long counts under 'unknown'. Exactly-once checkpoints every 50 ms.
 *
 * Run: node build/samples/async-enrichment/main.js   (Redis at SLUICE_REDIS_URL or redis://127.0.0.1:6379)
 */
import Redis from 'ioredis';
import * as assert from 'node:assert/strict';
import { AsyncDataStream, AsyncFunction, AsyncRetryStrategies, StreamEnvironment } from '../../src';

interface Click {
  readonly user: number;
  readonly page: string;
}

interface EnrichedClick extends Click {
  readonly country: string;
}

const USERS = 500;
const COUNTRIES = ['NO', 'PT', 'JP', 'BR', 'KE'];
/** Users at or past this id have no profile in Redis. */
const KNOWN_USERS = 450;

const click = (i: number): Click => ({ user: (i * 7919) % USERS, page: `/p/${i % 13}` });
const countryOf = (user: number) => COUNTRIES[user % COUNTRIES.length];

/** Looks up the click's user in Redis; one client per parallel instance, opened and closed with it. */
class CountryFromRedis implements AsyncFunction<Click, EnrichedClick> {
  private client: Redis | undefined;
  constructor(private readonly url: string, private readonly prefix: string) {}
  async open(): Promise<void> {
    this.client = new Redis(this.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    await this.client.connect();
  }
  async asyncInvoke(c: Click): Promise<EnrichedClick[]> {
    const country = await this.client!.hget(`${this.prefix}:user:${c.user}`, 'country');
    return country === null ? [] : [{ ...c, country }];
  }
  /** A lookup past its time: the click still counts, under 'unknown'. */
  timeout(c: Click): EnrichedClick[] {
    return [{ ...c, country: 'unknown' }];
  }
  async close(): Promise<void> {
    await this.client?.quit();
  }
}

/** Runs the job over `clicks` clicks; returns the final count per country. */
export async function main(url = process.env.SLUICE_REDIS_URL ?? 'redis://127.0.0.1:6379', prefix = `sluice-sample:async-enrichment:${process.pid}`, clicks = 20_000): Promise<Map<string, number>> {
  const admin = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await admin.connect();
  } catch (e) {
    admin.disconnect();
    throw new Error(`no Redis answers at ${url} (${(e as Error).message}): start one with \`redis-server --port 6379 --save '' --appendonly no\`, or set SLUICE_REDIS_URL`);
  }
  try {
    const seeding = admin.pipeline();
    for (let u = 0; u < KNOWN_USERS; u++) seeding.hset(`${prefix}:user:${u}`, 'country', countryOf(u), 'name', `user ${u}`);
    await seeding.exec();

    const env = StreamEnvironment.create({ parallelism: 2, logging: { pretty: true, level: 'warn' } });
    env.enableCheckpointing(50, 'exactly-once');
    const enriched = AsyncDataStream.orderedWait(env.fromGenerator(clicks, click), new CountryFromRedis(url, prefix), {
      timeoutMs: 2_000,
      capacity: 100,
      retry: AsyncRetryStrategies.exponentialBackoff({ maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 100 }),
    });
    const started = Date.now();
    const counts = await enriched
      .map((c) => ({ country: c.country, clicks: 1 }))
      .keyBy((c) => c.country)
      .sum('clicks')
      .executeAndCollect('clicks per country');
    const seconds = (Date.now() - started) / 1000;

    // The last running count per country is its total.
    const totals = new Map<string, number>();
    for (const c of counts) totals.set(c.country, c.clicks);
    const expected = new Map<string, number>();
    for (let i = 0; i < clicks; i++) {
      const { user } = click(i);
      if (user < KNOWN_USERS) expected.set(countryOf(user), (expected.get(countryOf(user)) ?? 0) + 1);
    }
    const timedOut = totals.get('unknown') ?? 0;
    totals.delete('unknown');
    // A lookup that timed out counts under 'unknown' instead of its country.
    let missing = 0;
    for (const [country, n] of expected) missing += n - (totals.get(country) ?? 0);
    assert.equal(missing, timedOut, 'every known user\'s click is counted once, under its country or as timed out');
    console.log(`${clicks} clicks enriched from Redis in ${seconds.toFixed(2)} s (${Math.round(clicks / seconds)} clicks/s), ${timedOut} lookups timed out`);
    for (const [country, n] of [...totals].sort()) console.log(`  ${country}: ${n} clicks`);
    return totals;
  } finally {
    const keys = Array.from({ length: KNOWN_USERS }, (_, u) => `${prefix}:user:${u}`);
    await admin.unlink(...keys);
    await admin.quit();
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
