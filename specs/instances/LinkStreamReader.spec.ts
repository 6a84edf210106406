import { expect } from 'chai';
import fc from 'fast-check';
import Redis from 'ioredis';
import { TaskManagerCommand, TaskManagerMsg } from '../../src/cluster/taskManagerProtocol';
import { TaskManagerInboxOptions } from '../../src/instances/RedisTaskManagerInbox';
import { LinkKeys } from '../../src/instances/taskManagerLinkStreams';
import { ServiceError } from '../../src/services/ServiceError';
import { capturedLog } from '../support/capturedLog';
import { linkSpecGround } from '../support/linkEnds';
import { startOwnRedis } from '../support/redisService';
import { waitFor } from '../support/unhandledRejections';

const stopTask = (task: string): TaskManagerCommand => ({ type: 'taskManager.stopTask', attempt: 1, task });
const answer = (request: number): TaskManagerMsg => ({ type: 'taskManager.answer', request, answer: request });

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

  it('a master that opens after messages of its epoch were trimmed fails with a gap and hands nothing on', async () => {
    const { inbox: b } = await ground.inbox('b', { maxLength: 5 });
    for (let i = 0; i < 8; i++) await b.say(answer(i), 5);
    const m = await ground.master(5);
    await waitFor(() => m.failures.length === 1, 'the gap');
    expect(m.items).to.deep.equal([]);
    expect(m.failures[0]).to.include({ reason: 'gap', fatal: true, restartable: true, stream: keys.replies });
    expect(m.failures[0].message).to.equal(
      `${keys.replies}: entries 1..3 were trimmed (the stream keeps its newest maxLength entries) before this reader read them, some of epoch 5, not older than 5: ` +
        'messages that mattered are lost (the reader lagged, or the stream filled while nobody read it); nothing more is read from it',
    );
  });

  it('a trimming that lost only messages of older epochs is no failure', async () => {
    const { inbox: b } = await ground.inbox('b', { maxLength: 5 });
    for (let i = 0; i < 8; i++) await b.say(answer(i), 4);
    await b.say(answer(50), 5);
    await b.say(answer(51), 5);
    const m = await ground.master(5);
    await waitFor(() => m.items.length === 2, 'the messages of epoch 5');
    expect(m.items).to.deep.equal([
      ['b', answer(50)],
      ['b', answer(51)],
    ]);
    expect(m.failures).to.deep.equal([]);
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

  it('a master opening hands on exactly the kept messages of its epoch, or fails when a trimmed one was of its epoch or later (model, fast-check)', async function () {
    this.timeout(120_000);
    const program = fc.record({
      maxLength: fc.integer({ min: 2, max: 6 }),
      // What instance b says before the master opens, each under an epoch of 4..7 (a master of any of them may be running).
      said: fc.array(fc.integer({ min: 4, max: 7 }), { maxLength: 12 }),
      masterEpoch: fc.integer({ min: 4, max: 7 }),
    });
    await fc.assert(
      fc.asyncProperty(program, async ({ maxLength, said, masterEpoch }) => {
        await ground.newApp();
        ({ keys } = ground);
        const { inbox: b } = await ground.inbox('b', { maxLength });
        for (const [i, epoch] of said.entries()) await b.say(answer(i), epoch);
        // Last, so that a master that does not fail has something to hand on.
        await b.say(answer(99), masterEpoch);
        const m = await ground.master(masterEpoch);
        const sent = [...said.map((epoch, i) => ({ epoch, i })), { epoch: masterEpoch, i: 99 }];
        const trimmed = said.slice(0, Math.max(0, said.length + 1 - maxLength));
        const kept = sent.slice(trimmed.length);
        const expectGap = trimmed.some((epoch) => epoch >= masterEpoch);
        const expected = kept.filter((x) => x.epoch === masterEpoch).map((x) => ['b', answer(x.i)]);
        await waitFor(() => m.failures.length > 0 || m.items.length >= expected.length, 'the master to read');
        await Promise.all([m.links.close(), b.close()]);
        if (expectGap) {
          expect(m.failures.map((f) => f.reason)).to.deep.equal(['gap']);
        } else {
          expect(m.failures).to.deep.equal([]);
          expect(m.items).to.deep.equal(expected);
        }
      }),
      { numRuns: 30 },
    );
  });
});
