/**
 * What a savepoint spec works in: a Redis, a scratch directory made before each test, and key
 * prefixes dropped after it. Call inside a `describe`: the hooks are registered there.
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { dropPrefix, redisUrl, uniquePrefix } from './redisService';

export interface SavepointScratch {
  readonly url: string;
  readonly dir: string;
  /** A fresh key prefix for `name`, dropped after the test. */
  prefix(name: string): string;
}

export function savepointScratch(dirPrefix: string): SavepointScratch {
  const prefixes: string[] = [];
  const scratch = {
    url: '',
    dir: '',
    prefix(name: string): string {
      const p = uniquePrefix(name);
      prefixes.push(p);
      return p;
    },
  };
  beforeEach(async function () {
    scratch.url = await redisUrl(this);
    scratch.dir = await fs.mkdtemp(path.join(os.tmpdir(), dirPrefix));
  });
  afterEach(async () => {
    await fs.rm(scratch.dir, { recursive: true, force: true });
    for (const p of prefixes.splice(0)) await dropPrefix(scratch.url, p);
  });
  return scratch;
}

/** Redis keyed state with a small cache, so that entries are evicted and written back during the run. */
export const redisState = (url: string, keyPrefix: string) => ({ type: 'redis' as const, url, keyPrefix, cacheSize: 16 });
