import { expect } from 'chai';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import Redis from 'ioredis';
import { TaskManagerCommand, TaskManagerMsg } from '../../src/cluster/taskManagerProtocol';
import { TaskManagerInboxOptions } from '../../src/cluster/RedisTaskManagerInbox';
import { LinkStreamReader } from '../../src/cluster/LinkStreamReader';
import { FencedCommandError, TaskManagerLinkFailure } from '../../src/cluster/taskManagerLinkErrors';
import { LinkEntry, LinkKeys, STREAM_START } from '../../src/cluster/taskManagerLinkStreams';
import { createLogger } from '../../src/logging/logger';
import { connectRedis, whenReady } from '../../src/state/redisConnection';
import { ServiceError } from '../../src/services/ServiceError';
import { capturedLog } from '../support/capturedLog';
import { linkSpecGround } from '../support/linkEnds';
import { startOwnRedis } from '../support/redisService';
import { waitFor } from '../support/unhandledRejections';

const stopTask = (task: string): TaskManagerCommand => ({ type: 'taskManager.stopTask', attempt: 1, task });
const answer = (request: number): TaskManagerMsg => ({ type: 'taskManager.answer', request, answer: request });

describe('cluster/LinkStreamReader (alone, and through the link: sequence gaps, lost connections)', () => {
  const ground = linkSpecGround('reader');
  const master = async (epoch: number, maxLength = 100) => (await ground.master(epoch, { maxLength })).links;
  const inbox = (more: Partial<TaskManagerInboxOptions> = {}) => ground.inbox('a', { maxLength: 100, ...more });
  let keys: LinkKeys;
  let redis: Redis;
  let app: string;
  beforeEach(() => ({ keys, redis, app } = ground));

  /** A reader of `stream` from its start (as one that lagged from there) with `floor`, what it hands on and reports, closed after the test. */
  function reader(stream: string, floor: number) {
    const reading = connectRedis(ground.url);
    const commands = connectRedis(ground.url);
    const entries: LinkEntry[] = [];
    const failures: TaskManagerLinkFailure[] = [];
    const read = new LinkStreamReader({
      reading,
      commands,
      commandsReady: () => whenReady(commands, ground.url, 5000),
      target: ground.url,
      stream,
      metaKey: keys.meta(stream),
      start: STREAM_START,
      operationTimeoutMs: 5000,
      floor: () => floor,
      deliver: (entry) => entries.push(entry),
      report: (failure) => failures.push(failure),
      logger: createLogger({ level: 'silent' }),
    });
    const close = async () => {
      await read.stop();
      commands.disconnect();
    };
    ground.closing({ close });
    return { entries, failures, close };
  }

  /** Ends the inbox's reading connection as a network fault would. */
  async function killReader(): Promise<void> {
    const name = `sluice-${app}-link-a-reader`;
    const line = ((await redis.client('LIST')) as string).split('\n').find((l) => l.includes(` name=${name} `));
    if (line === undefined) throw new Error(`no connection named ${name}`);
    await redis.client('KILL', 'ID', /id=(\d+)/.exec(line)![1]);
  }

  it('a reader that starts before entries of its epoch that were trimmed fails with a gap and hands nothing on', async () => {
    const { inbox: b } = await ground.inbox('b', { maxLength: 5 });
    for (let i = 0; i < 8; i++) await b.say(answer(i), 5);
    const r = reader(keys.replies, 5);
    await waitFor(() => r.failures.length === 1, 'the gap');
    expect(r.entries).to.deep.equal([]);
    expect(r.failures[0]).to.include({ reason: 'gap', fatal: true, restartable: true, stream: keys.replies });
    expect(r.failures[0].message).to.equal(
      `${keys.replies}: entries 1..3 were trimmed (the stream keeps its newest maxLength entries) before this reader read them, and the stream trimmed entries of epoch 5, not older than 5: ` +
        'messages that mattered may be lost (the reader lagged, or the stream filled while nobody read it); nothing more is read from it',
    );
  });

  it('a trimming that lost only entries of older epochs is no failure', async () => {
    const { inbox: b } = await ground.inbox('b', { maxLength: 5 });
    for (let i = 0; i < 8; i++) await b.say(answer(i), 4);
    await b.say(answer(50), 5);
    await b.say(answer(51), 5);
    const r = reader(keys.replies, 5);
    await waitFor(() => r.entries.length === 5, 'the kept entries');
    expect(r.entries.map((e) => [e.seq, e.epoch])).to.deep.equal([
      [6, 4],
      [7, 4],
      [8, 4],
      [9, 5],
      [10, 5],
    ]);
    expect(r.failures).to.deep.equal([]);
  });

  it('a reader that lags more than maxLength entries behind fails with a gap after what it had read', async () => {
    const links = await master(5, 5);
    const a = await inbox();
    await links.send('a', stopTask('0'));
    await links.send('a', stopTask('1'));
    await waitFor(() => a.items.length === 2, 'the first two');
    await killReader();
    // Sent while the reader waits to reconnect (50 ms, then ioredis's 100 ms): 7 more, of which the stream keeps 5.
    await Promise.all([2, 3, 4, 5, 6, 7, 8].map((i) => links.send('a', stopTask(`${i}`))));
    await waitFor(() => a.failures.some((f) => f.fatal), 'the gap');
    expect(a.items.map(([c]) => (c as { task: string }).task)).to.deep.equal(['0', '1']);
    expect(a.failures.map((f) => [f.reason, f.fatal])).to.deep.equal([['gap', true]]);
    expect(a.failures[0].message).to.include(`${keys.commands('a')}: entries 3..4 were trimmed`);
  });

  it('a forgotten stream keeps its numbering: its reader reads on without a loss, one that lagged fails', async () => {
    const links = await master(5);
    const a = await inbox();
    await links.send('a', stopTask('0'));
    await links.send('a', stopTask('1'));
    await waitFor(() => a.items.length === 2, 'the first two');
    await links.forget('a');
    const stream = keys.commands('a');
    expect(await redis.exists(stream)).to.equal(0);
    expect(await redis.hgetall(keys.meta(stream))).to.deep.equal({ seq: '2', trimmedSeq: '2', trimmedEpoch: '5' });
    expect(await redis.pttl(keys.meta(stream))).to.be.within(24 * 3600_000 - 60_000, 24 * 3600_000);
    await links.send('a', stopTask('2'));
    await waitFor(() => a.items.length === 3, 'the command after');
    expect(await redis.pttl(keys.meta(stream))).to.equal(-1);
    expect(a.items.map(([c]) => (c as { task: string }).task)).to.deep.equal(['0', '1', '2']);
    expect(a.failures).to.deep.equal([]);
    // A reader that had not read 3 and 4 when they were forgotten.
    await killReader();
    await links.send('a', stopTask('3'));
    await links.send('a', stopTask('4'));
    await links.forget('a');
    await links.send('a', stopTask('5'));
    await waitFor(() => a.failures.length === 1, 'the gap');
    expect(a.items.length).to.equal(3);
    expect(a.failures[0].message).to.include(`${stream}: entries 4..5 were trimmed`);
  });

  it('a reader whose stream began again, its numbering forgotten, fails: what was sent into the old one may be lost', async () => {
    const links = await master(5);
    const a = await inbox();
    await links.send('a', stopTask('0'));
    await links.send('a', stopTask('1'));
    await waitFor(() => a.items.length === 2, 'the first two');
    // As when the numbering of a forgotten stream has expired, a day after its last entry: the
    // new stream's first id (server ms) is past the old last one, which the reader reads after.
    const [[lastId]] = await redis.xrevrange(keys.commands('a'), '+', '-', 'COUNT', 1);
    await redis.del(keys.commands('a'), keys.meta(keys.commands('a')));
    const serverMs = async () => {
      const [s, us] = await redis.time();
      return Number(s) * 1000 + Math.floor(Number(us) / 1000);
    };
    while ((await serverMs()) <= Number(lastId.split('-')[0])) await new Promise((resolve) => setTimeout(resolve, 1));
    await links.send('a', stopTask('2'));
    await waitFor(() => a.failures.length === 1, 'the failure');
    expect(a.items.length).to.equal(2);
    expect(a.failures[0]).to.include({ reason: 'gap', fatal: true });
    expect(a.failures[0].message).to.match(/ began again \(entry \d+-\d+ has sequence number 1, 3 was next\): it was deleted and its numbering forgotten since this reader read it, so what was sent to it may be lost; nothing more is read from it$/);
  });

  it('reads on after its connection is lost and comes back, logging it once', async () => {
    const log = capturedLog('warn');
    const links = await master(5);
    const a = await inbox({ logging: log.logger });
    await links.send('a', stopTask('before'));
    await waitFor(() => a.items.length === 1, 'the first');
    await killReader();
    await links.send('a', stopTask('after'));
    await waitFor(() => a.items.length === 2, 'the second');
    expect(a.items).to.deep.equal([
      [stopTask('before'), 5],
      [stopTask('after'), 5],
    ]);
    expect(a.failures).to.deep.equal([]);
    const lines = log.lines.filter((l) => l.msg.startsWith(`reading ${keys.commands('a')}`)).map((l) => l.msg);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^reading .* from Redis at .* failed \(.+\); trying again for up to 5000 ms$/);
  });

  it('stops with an unreachable failure once Redis has been away for operationTimeoutMs, and a send waits no longer than that', async () => {
    const own = await startOwnRedis();
    const appUrl = own.url;
    const client = new Redis(appUrl);
    await client.set(keys.epoch, 5);
    client.disconnect();
    const a = await inbox({ operationTimeoutMs: 800, redis: appUrl });
    await own.stop(true);
    const started = Date.now();
    await waitFor(() => a.failures.length === 1, 'the failure', 10_000);
    const tookMs = Date.now() - started;
    expect(a.failures[0]).to.include({ reason: 'unreachable', fatal: true, restartable: false });
    expect(a.failures[0].message).to.match(/^reading .* from Redis at redis:\/\/127\.0\.0\.1:\d+ failed for 800 ms \(operationTimeoutMs\), last: .+; nothing more is read from it$/);
    expect(tookMs).to.be.within(700, 3000);
    const said = Date.now();
    const refused = await a.inbox.say({ type: 'taskManager.pong' }, 5).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).to.be.instanceOf(ServiceError);
    expect((refused as Error).message).to.match(/^cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: no answer within 800 ms/);
    expect(Date.now() - said).to.be.within(700, 3000);
  });

  it('a Redis that restarts with its data (append-only file): both ends read on from where they were, nothing lost or doubled', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-link-'));
    const own = await startOwnRedis({ appendOnlyDir: dir });
    try {
      const client = new Redis(own.url);
      await client.set(keys.epoch, 5);
      client.disconnect();
      const m = await ground.master(5, { redis: own.url });
      const a = await ground.inbox('a', { redis: own.url });
      await m.links.send('a', stopTask('before'));
      await a.inbox.say(answer(1), 5);
      await waitFor(() => a.items.length === 1 && m.items.length === 1, 'what was sent before');
      await own.stop(true);
      await own.start();
      // Sends wait for their connection within operationTimeoutMs (5 s here).
      await m.links.send('a', stopTask('after'));
      await a.inbox.say(answer(2), 5);
      await waitFor(() => a.items.length === 2 && m.items.length === 2, 'what was sent after');
      expect(a.items).to.deep.equal([
        [stopTask('before'), 5],
        [stopTask('after'), 5],
      ]);
      expect(m.items).to.deep.equal([
        ['a', answer(1)],
        ['a', answer(2)],
      ]);
      expect([...a.failures, ...m.failures]).to.deep.equal([]);
    } finally {
      await own.stop();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('a Redis that restarts without its data: the master is fenced (the epoch is gone), and a reader fails rather than take new commands for old', async () => {
    const own = await startOwnRedis();
    const client = new Redis(own.url);
    await client.set(keys.epoch, 5);
    const m = await ground.master(5, { redis: own.url });
    const a = await ground.inbox('a', { redis: own.url });
    await m.links.send('a', stopTask('0'));
    await m.links.send('a', stopTask('1'));
    await waitFor(() => a.items.length === 2, 'the first two');
    await own.stop(true);
    await own.start();
    const refused = await m.links.send('a', stopTask('2')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).to.be.instanceOf(FencedCommandError);
    expect(refused).to.include({ epoch: 5, currentEpoch: undefined });
    // A master of a new epoch, as a leader taking office would start.
    await client.set(keys.epoch, 6);
    const next = await ground.master(6, { redis: own.url });
    await next.links.send('a', stopTask('new 0'));
    await waitFor(() => a.failures.length === 1, 'the failure');
    client.disconnect();
    expect(a.items.length).to.equal(2);
    expect(a.failures[0]).to.include({ reason: 'gap', fatal: true });
    expect(a.failures[0].message).to.include('began again (entry');
  });

  it('close ends a reader and a send waiting for Redis to come back without waiting out their bound; the reader reports nothing, the send is refused', async () => {
    const own = await startOwnRedis();
    const client = new Redis(own.url);
    await client.set(keys.epoch, 5);
    client.disconnect();
    const a = await inbox({ operationTimeoutMs: 10_000, redis: own.url });
    await own.stop(true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const said = a.inbox.say({ type: 'taskManager.pong' }, 5).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    const started = Date.now();
    await a.inbox.close();
    const refused = await said;
    // The waits would run to their bound, 10 s.
    expect(Date.now() - started).to.be.below(1000);
    expect(refused?.message).to.equal('sending taskManager.pong from instance a was cut short: the task manager link is closed');
    expect(a.failures).to.deep.equal([]);
  });

  it('a reader hands on every entry kept, or fails when a trimmed one it had not read was of its floor or later (model, fast-check)', async function () {
    this.timeout(120_000);
    const program = fc.record({
      maxLength: fc.integer({ min: 2, max: 6 }),
      // What instance b says, each under an epoch of 4..7 (a master of any of them may be running).
      said: fc.array(fc.integer({ min: 4, max: 7 }), { minLength: 1, maxLength: 12 }),
      floor: fc.integer({ min: 4, max: 7 }),
    });
    await fc.assert(
      fc.asyncProperty(program, async ({ maxLength, said, floor }) => {
        await ground.newApp();
        ({ keys } = ground);
        const { inbox: b } = await ground.inbox('b', { maxLength });
        for (const [i, epoch] of said.entries()) await b.say(answer(i), epoch);
        const r = reader(keys.replies, floor);
        const trimmed = said.slice(0, Math.max(0, said.length - maxLength));
        const expectGap = trimmed.some((epoch) => epoch >= floor);
        const kept = said.map((epoch, i) => [i + 1, epoch]).slice(trimmed.length);
        await waitFor(() => r.failures.length > 0 || r.entries.length >= kept.length, 'the reader');
        await r.close();
        await b.close();
        if (expectGap) {
          expect(r.failures.map((f) => f.reason)).to.deep.equal(['gap']);
          expect(r.entries).to.deep.equal([]);
        } else {
          expect(r.failures).to.deep.equal([]);
          expect(r.entries.map((e) => [e.seq, e.epoch])).to.deep.equal(kept);
        }
      }),
      { numRuns: 30 },
    );
  });
});
