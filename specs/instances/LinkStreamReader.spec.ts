import { expect } from 'chai';
import fc from 'fast-check';
import Redis from 'ioredis';
import { TaskManagerCommand } from '../../src/cluster/taskManagerProtocol';
import { TaskManagerInboxOptions } from '../../src/instances/RedisTaskManagerInbox';
import { LinkKeys } from '../../src/instances/taskManagerLinkStreams';
import { ServiceError } from '../../src/services/ServiceError';
import { capturedLog } from '../support/capturedLog';
import { linkSpecGround } from '../support/linkEnds';
import { startOwnRedis } from '../support/redisService';
import { waitFor } from '../support/unhandledRejections';

const stopTask = (task: string): TaskManagerCommand => ({ type: 'taskManager.stopTask', attempt: 1, task });

describe('instances/LinkStreamReader (through the inbox: sequence gaps, lost connections)', () => {
  const ground = linkSpecGround('reader');
  const master = async (epoch: number, maxLength = 100) => (await ground.master(epoch, { maxLength })).links;
  const inbox = (more: Partial<TaskManagerInboxOptions> = {}) => ground.inbox('a', { maxLength: 100, ...more });
  let keys: LinkKeys;
  let redis: Redis;
  let app: string;
  beforeEach(() => ({ keys, redis, app } = ground));

  /** Ends the inbox's reading connection as a network fault would. */
  async function killReader(): Promise<void> {
    const name = `sluice-${app}-link-a-reader`;
    const line = ((await redis.client('LIST')) as string).split('\n').find((l) => l.includes(` name=${name} `));
    if (line === undefined) throw new Error(`no connection named ${name}`);
    await redis.client('KILL', 'ID', /id=(\d+)/.exec(line)![1]);
  }

  it('a reader that opens after commands of its epoch were trimmed fails with a gap and hands nothing on', async () => {
    const links = await master(5, 5);
    for (let i = 0; i < 8; i++) await links.send('a', stopTask(`${i}`));
    const a = await inbox();
    await waitFor(() => a.failures.length === 1, 'the gap');
    expect(a.items).to.deep.equal([]);
    expect(a.failures[0]).to.include({ reason: 'gap', fatal: true, restartable: true, stream: keys.commands('a') });
    expect(a.failures[0].message).to.equal(
      `${keys.commands('a')}: entries 1..3 were trimmed (the stream keeps its newest maxLength entries) before this reader read them, some of epoch 5, not older than 5: ` +
        'messages that mattered are lost (the reader lagged, or the stream filled while nobody read it); nothing more is read from it',
    );
  });

  it('a trimming that lost only commands of older epochs is no failure', async () => {
    const old = await master(5, 5);
    for (let i = 0; i < 8; i++) await old.send('a', stopTask(`old ${i}`));
    await redis.incr(keys.epoch);
    const next = await master(6, 5);
    await next.send('a', stopTask('new 0'));
    await next.send('a', stopTask('new 1'));
    const a = await inbox();
    await waitFor(() => a.items.length === 2, 'the commands of epoch 6');
    expect(a.items).to.deep.equal([
      [stopTask('new 0'), 6],
      [stopTask('new 1'), 6],
    ]);
    expect(a.failures).to.deep.equal([]);
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

  it('a forgotten stream keeps its numbering: its reader reads on, a reader of its epoch opening later fails, one of a newer epoch takes what is new', async () => {
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
    await links.send('a', stopTask('3'));
    await links.forget('a');
    await links.send('a', stopTask('4'));
    // A reader of this epoch opening now misses 3, which mattered.
    const late = await inbox();
    await waitFor(() => late.failures.length === 1, "the late reader's gap");
    expect(late.failures[0].message).to.include(`${stream}: entries 1..4 were trimmed`);
    await waitFor(() => a.items.length === 5, 'the first reader to read on');
    expect(a.items.map(([c]) => (c as { task: string }).task)).to.deep.equal(['0', '1', '2', '3', '4']);
    expect(a.failures).to.deep.equal([]);
    // The instance left under epoch 5 and comes back under 6: the forgotten commands are not its.
    await links.forget('a');
    await redis.incr(keys.epoch);
    const next = await master(6);
    await next.send('a', stopTask('5'));
    const back = await inbox();
    await waitFor(() => back.items.length === 1, 'the command of epoch 6');
    expect(back.items).to.deep.equal([[stopTask('5'), 6]]);
    expect(back.failures).to.deep.equal([]);
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

  it('close ends at once a reader and a send waiting for Redis to come back; the reader reports nothing, the send is refused', async () => {
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
    expect(Date.now() - started).to.be.below(100);
    expect(refused?.message).to.equal('sending taskManager.pong from instance a was cut short: the task manager link is closed');
    expect(a.failures).to.deep.equal([]);
  });

  it('a fresh reader hands on exactly the kept commands of its epoch or later, or fails when a trimmed one was of them (model, fast-check)', async function () {
    this.timeout(120_000);
    const program = fc.record({
      maxLength: fc.integer({ min: 2, max: 6 }),
      // Per epoch from 5 on: how many commands its master sends.
      sends: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 4 }),
      // The last epoch's master sends at least one, so a reader that does not fail has something to hand on.
      last: fc.integer({ min: 1, max: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(program, async ({ maxLength, sends, last }) => {
        await ground.newApp();
        ({ keys, app } = ground);
        const sent: { epoch: number; task: string }[] = [];
        const counts = [...sends, last];
        for (const [i, count] of counts.entries()) {
          const epoch = 5 + i;
          if (i > 0) await redis.incr(keys.epoch);
          const links = await master(epoch, maxLength);
          for (let n = 0; n < count; n++) {
            sent.push({ epoch, task: `${epoch}.${n}` });
            await links.send('a', stopTask(`${epoch}.${n}`));
          }
          await links.close();
        }
        const finalEpoch = 5 + counts.length - 1;
        const kept = sent.slice(-maxLength);
        const trimmed = sent.slice(0, sent.length - kept.length);
        const a = await inbox({ maxLength });
        const expectGap = trimmed.some((c) => c.epoch >= finalEpoch);
        const expected = kept.filter((c) => c.epoch >= finalEpoch).map((c) => [stopTask(c.task), c.epoch]);
        await waitFor(() => a.failures.length > 0 || a.items.length >= expected.length, 'the reader to finish');
        await a.inbox.close();
        if (expectGap) {
          expect(a.failures.map((f) => f.reason)).to.deep.equal(['gap']);
          expect(a.items).to.deep.equal([]);
        } else {
          expect(a.failures).to.deep.equal([]);
          expect(a.items).to.deep.equal(expected);
        }
      }),
      { numRuns: 25 },
    );
  });
});
