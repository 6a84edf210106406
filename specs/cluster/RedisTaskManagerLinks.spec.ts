import { expect } from 'chai';
import Redis from 'ioredis';
import { serialize } from 'v8';
import { MessageChannel } from 'worker_threads';
import { TaskManagerCommand, TaskManagerMsg } from '../../src/cluster/taskManagerProtocol';
import { RedisTaskManagerInbox } from '../../src/cluster/RedisTaskManagerInbox';
import { RedisTaskManagerLinks } from '../../src/cluster/RedisTaskManagerLinks';
import { FencedCommandError, TaskManagerLinkFailure } from '../../src/cluster/taskManagerLinkErrors';
import { append, LinkKeys } from '../../src/cluster/taskManagerLinkStreams';
import { ServiceError } from '../../src/services/ServiceError';
import { capturedLog } from '../support/capturedLog';
import { linkSpecGround } from '../support/linkEnds';
import { everyCommand, everyMessage } from '../support/taskManagerProtocolSamples';
import { waitFor } from '../support/unhandledRejections';

const ping: TaskManagerCommand = { type: 'taskManager.ping' };
const stopTask = (task: string): TaskManagerCommand => ({ type: 'taskManager.stopTask', attempt: 1, task });
const answer = (request: number): TaskManagerMsg => ({ type: 'taskManager.answer', request, answer: request });

describe('cluster/RedisTaskManagerLinks and RedisTaskManagerInbox (the master↔task-manager link on Redis streams)', () => {
  const ground = linkSpecGround('link');
  const { master, inbox } = ground;
  let keys: LinkKeys;
  let redis: Redis;
  let url: string;
  let app: string;
  beforeEach(() => ({ keys, redis, url, app } = ground));

  it('carries every kind of command to the instance as sent, typed arrays, Buffers, Maps and bigints of restores included, with the epoch', async () => {
    const { links } = await master(5);
    const a = await inbox('a');
    for (const command of everyCommand) await links.send('a', command);
    await waitFor(() => a.items.length === everyCommand.length, 'every command');
    expect(a.items).to.deep.equal(everyCommand.map((c) => [c, 5]));
    const restore = (a.items[2][0] as Extract<TaskManagerCommand, { type: 'taskManager.deploy' }>).tasks[0].restore as { weights: unknown; nodes: { counter: { snapshot: { source: { raw: unknown } } }[] } };
    expect(restore.weights).to.be.instanceOf(Float64Array);
    expect(Buffer.isBuffer(restore.nodes.counter[0].snapshot.source.raw)).to.equal(true);
    expect(a.failures).to.deep.equal([]);
  });

  it('carries every kind of message to the master, naming the instance that said it', async () => {
    const m = await master(5);
    const { inbox: b } = await inbox('b');
    for (const msg of everyMessage) await b.say(msg, 5);
    await waitFor(() => m.items.length === everyMessage.length, 'every message');
    expect(m.items).to.deep.equal(everyMessage.map((msg) => ['b', msg]));
    expect(m.failures).to.deep.equal([]);
  });

  it("names which of an instance's task managers a command is for and a message is from (taskManagers above 1), in one order with the instance's own", async () => {
    const m = await master(5);
    const a = await inbox('a');
    await m.links.send('a', ping, 1);
    await m.links.send('a', { type: 'taskManager.stop', outcome: 'finished' });
    await m.links.send('a', stopTask('count#3'), 0);
    await a.inbox.say(answer(7), 5, 1);
    await a.inbox.say({ type: 'taskManager.exited', reason: 'task manager 1 exited with code 1' }, 5, 1);
    await a.inbox.say({ type: 'taskManager.pong' }, 5);
    await waitFor(() => a.items.length === 3 && m.items.length === 3, 'three commands and three messages');
    expect(a.items).to.deep.equal([
      [ping, 5, 1],
      [{ type: 'taskManager.stop', outcome: 'finished' }, 5],
      [stopTask('count#3'), 5, 0],
    ]);
    expect(m.items).to.deep.equal([
      ['a', answer(7), 1],
      ['a', { type: 'taskManager.exited', reason: 'task manager 1 exited with code 1' }, 1],
      ['a', { type: 'taskManager.pong' }],
    ]);
    expect([...a.failures, ...m.failures]).to.deep.equal([]);
  });

  it('keeps the order of each sender: 1000 commands to each of two instances and 500 messages from each of three, all sent at once', async () => {
    const m = await master(5);
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((id) => inbox(id)));
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 1000; i++) sends.push(m.links.send('a', stopTask(`a${i}`)), m.links.send('b', stopTask(`b${i}`)));
    for (let i = 0; i < 500; i++) for (const x of [a, b, c]) sends.push(x.inbox.say(answer(i), 5));
    await Promise.all(sends);
    await waitFor(() => a.items.length === 1000 && b.items.length === 1000 && m.items.length === 1500, 'everything sent');
    expect(a.items).to.deep.equal(Array.from({ length: 1000 }, (_, i) => [stopTask(`a${i}`), 5]));
    expect(b.items).to.deep.equal(Array.from({ length: 1000 }, (_, i) => [stopTask(`b${i}`), 5]));
    expect(c.items).to.deep.equal([]);
    for (const id of ['a', 'b', 'c']) {
      expect(m.items.filter(([from]) => from === id).map(([, msg]) => msg)).to.deep.equal(Array.from({ length: 500 }, (_, i) => answer(i)));
    }
    expect([...a.failures, ...b.failures, ...c.failures, ...m.failures]).to.deep.equal([]);
  });

  it("refuses the commands of a master once the job's epoch moved past its own, appending nothing, while the new master's pass", async () => {
    const old = await master(5);
    const a = await inbox('a');
    await old.links.send('a', stopTask('before'));
    await redis.incr(keys.epoch);
    const refused = await old.links.send('a', stopTask('after')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).to.be.instanceOf(FencedCommandError);
    expect(refused).to.include({ epoch: 5, currentEpoch: 6, instanceId: 'a', restartable: false, service: 'redis' });
    expect((refused as Error).message).to.include("the job's epoch is 6");
    const forgetRefused = await old.links.forget('a').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(forgetRefused).to.be.instanceOf(FencedCommandError);
    const next = await master(6);
    await next.links.send('a', stopTask('new master'));
    await waitFor(() => a.items.length === 2, 'both commands that passed');
    expect(a.items).to.deep.equal([
      [stopTask('before'), 5],
      [stopTask('new master'), 6],
    ]);
    expect(await redis.xlen(keys.commands('a'))).to.equal(2);
  });

  it('an inbox drops the commands of an epoch older than the newest it saw, logging it once per epoch', async () => {
    const log = capturedLog('info');
    const a = await inbox('a', { logging: log.logger });
    // Unfenced appends stand for what a fenced master cannot do: an older epoch after a newer.
    const put = (epoch: number, command: TaskManagerCommand) => append(redis, keys, keys.commands('a'), 100, epoch, 'master', serialize(command));
    await put(6, stopTask('6a'));
    await put(5, stopTask('5a'));
    await put(5, stopTask('5b'));
    await put(6, stopTask('6b'));
    await put(7, stopTask('7a'));
    await waitFor(() => a.items.length === 3, 'the commands of epochs 6 and 7');
    expect(a.items).to.deep.equal([
      [stopTask('6a'), 6],
      [stopTask('6b'), 6],
      [stopTask('7a'), 7],
    ]);
    expect(log.lines.filter((l) => l.msg.includes('drops the commands')).map((l) => l.msg)).to.deep.equal(['instance a drops the commands of epoch 5 (first: entry 2): their master was succeeded under epoch 6']);
  });

  it('a new inbox takes the commands sent after it opened, not those before (for a predecessor under its id, which may have run them)', async () => {
    const m = await master(5);
    await m.links.send('a', stopTask('for the predecessor 1'));
    await m.links.send('a', stopTask('for the predecessor 2'));
    const a = await inbox('a');
    await m.links.send('a', stopTask('for this one'));
    await m.links.send('a', ping);
    await waitFor(() => a.items.length === 2, 'the commands sent after');
    expect(a.items).to.deep.equal([
      [stopTask('for this one'), 5],
      [ping, 5],
    ]);
    expect(a.failures).to.deep.equal([]);
  });

  it('an inbox holds the commands sent between its opening and its receiver, and hands them on in order once it has one', async () => {
    const m = await master(5);
    const opened = ground.closing(await RedisTaskManagerInbox.open({ redis: url, applicationId: app, instanceId: 'a', operationTimeoutMs: 5000 }));
    await m.links.send('a', stopTask('while joining 1'));
    await m.links.send('a', stopTask('while joining 2'));
    const got: [TaskManagerCommand, number][] = [];
    opened.onCommand((command, epoch) => got.push([command, epoch]));
    await m.links.send('a', ping);
    await waitFor(() => got.length === 3, 'all three');
    expect(got).to.deep.equal([
      [stopTask('while joining 1'), 5],
      [stopTask('while joining 2'), 5],
      [ping, 5],
    ]);
  });

  it('a master takes what is said after it opened, not before (an earlier master\'s, even one of its epoch)', async () => {
    const { inbox: a } = await inbox('a');
    await a.say(answer(1), 5);
    const m = await master(5);
    await a.say(answer(2), 5);
    await waitFor(() => m.items.length === 1, 'the message said after');
    await a.say(answer(3), 5);
    await waitFor(() => m.items.length === 2, 'the next');
    expect(m.items).to.deep.equal([
      ['a', answer(2)],
      ['a', answer(3)],
    ]);
  });

  it('a master takes only what was said under its own epoch', async () => {
    const m = await master(5);
    const { inbox: a } = await inbox('a');
    await a.say(answer(4), 4);
    await a.say(answer(5), 5);
    await a.say(answer(6), 6);
    await a.say(answer(55), 5);
    await waitFor(() => m.items.length === 2, 'the messages of epoch 5');
    expect(m.items).to.deep.equal([
      ['a', answer(5)],
      ['a', answer(55)],
    ]);
  });

  it('keeps each stream to maxLength entries however many were sent, trimming the oldest', async () => {
    const { links } = await master(5, { maxLength: 20 });
    const { inbox: a } = await inbox('a', { maxLength: 20 });
    for (let i = 0; i < 200; i++) await Promise.all([links.send('b', stopTask(`${i}`)), a.say(answer(i), 5)]);
    for (const stream of [keys.commands('b'), keys.replies]) {
      expect(await redis.xlen(stream)).to.equal(20);
      expect(await redis.hgetall(keys.meta(stream))).to.deep.equal({ seq: '200', trimmedSeq: '180', trimmedEpoch: '5' });
      const first = await redis.xrange(stream, '-', '+', 'COUNT', 1);
      expect(first[0][1].slice(0, 2)).to.deep.equal(['seq', '181']);
    }
  });

  it('trims an entry put in a stream by hand like any other, leaving the record of what was trimmed as it was', async () => {
    const { links } = await master(5, { maxLength: 2 });
    const stream = keys.commands('a');
    await links.send('a', stopTask('0'));
    await redis.xadd(stream, '*', 'from', 'someone else');
    for (const i of [1, 2, 3]) await links.send('a', stopTask(`${i}`));
    expect(await redis.xlen(stream)).to.equal(2);
    expect(await redis.hgetall(keys.meta(stream))).to.deep.equal({ seq: '4', trimmedSeq: '2', trimmedEpoch: '5' });
  });

  it('a receiver that throws is reported, and the next commands still arrive', async () => {
    const { links } = await master(5);
    const opened = ground.closing(await RedisTaskManagerInbox.open({ redis: url, applicationId: app, instanceId: 'a', operationTimeoutMs: 5000 }));
    const failures: TaskManagerLinkFailure[] = [];
    const got: TaskManagerCommand[] = [];
    opened.onFailure((f) => failures.push(f));
    opened.onCommand((command) => {
      if (command.type === 'taskManager.stop') throw new Error('not now');
      got.push(command);
    });
    await links.send('a', { type: 'taskManager.stop' });
    await links.send('a', ping);
    await waitFor(() => got.length === 1, 'the ping');
    expect(got).to.deep.equal([ping]);
    expect(failures.map((f) => [f.reason, f.fatal, f.message])).to.deep.equal([['listener', false, `${keys.commands('a')}: the receiver threw on entry 1 (from master, epoch 5): not now`]]);
  });

  it('reports each entry that is no message of the protocol with the reason, and reads on', async () => {
    const { links } = await master(5);
    const a = await inbox('a');
    const stream = keys.commands('a');
    await links.send('a', { type: 'taskManager.bogus' } as unknown as TaskManagerCommand);
    await links.send('a', { type: 'taskManager.ask', attempt: 1, task: 't', request: 'one', question: { type: 'task.report' } } as unknown as TaskManagerCommand);
    await append(redis, keys, stream, 100, 5, 'master', Buffer.from([0xff, 0x0f, 0x99]));
    await redis.xadd(stream, '*', 'from', 'someone else');
    await links.send('a', ping);
    await waitFor(() => a.items.length === 1, 'the ping');
    expect(a.items).to.deep.equal([[ping, 5]]);
    expect(a.failures.map((f) => [f.reason, f.fatal])).to.deep.equal([
      ['undecodable', false],
      ['undecodable', false],
      ['undecodable', false],
      ['undecodable', false],
    ]);
    const [bogus, badRequest, notV8, foreign] = a.failures.map((f) => f.message);
    expect(bogus).to.equal(
      `${stream}: entry 1 (from master, epoch 5) holds what is not a task manager command: the value: type "taskManager.bogus" is none of taskManager.stop, taskManager.ping, taskManager.deploy, ` +
        'taskManager.toTask, taskManager.ask, taskManager.stopTask, taskManager.fromApplication, taskManager.restartTask, taskManager.rebridge, taskManager.progressSaved, instance.thread; skipped',
    );
    expect(badRequest).to.equal(`${stream}: entry 2 (from master, epoch 5) holds what is not a task manager command: request: expected number, got "one"; skipped`);
    expect(notV8).to.match(new RegExp(`^${escape(stream)}: entry 3 \\(from master, epoch 5\\) holds a task manager command that v8 cannot deserialize \\(.+\\); skipped$`));
    expect(foreign).to.match(/: entry \d+-\d+ has no positive integer seq, no epoch, no body, which no Sluice link writes; skipped$/);
  });

  it('refuses to send what cannot leave the process (a MessagePort bridge), naming why', async () => {
    const { links } = await master(5);
    const { port1, port2 } = new MessageChannel();
    const command = { type: 'taskManager.rebridge', attempt: 1, outlets: [{ task: 't', channel: 0, name: 'c', port: port1 }], inlets: [] } as unknown as TaskManagerCommand;
    const refused = await links.send('a', command).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    port1.close();
    port2.close();
    expect(refused?.message).to.equal(
      'cannot send taskManager.rebridge to instance a: v8 cannot serialize it (Unserializable host object: MessagePort [EventTarget]); the link carries plain data (a MessagePort cannot leave its process)',
    );
    expect(await redis.exists(keys.commands('a'))).to.equal(0);
  });

  it('close ends a blocked read at once, and the end refuses to send afterwards', async () => {
    const m = await master(5, { operationTimeoutMs: 30_000 });
    const a = await inbox('a', { operationTimeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await Promise.all([a.inbox.close(), m.links.close()]);
    // Each read blocks 1000 ms here: a close that waited for it would take that long.
    expect(Date.now() - started).to.be.below(500);
    const refused = await a.inbox.say(answer(1), 5).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).to.be.instanceOf(ServiceError);
    expect((refused as Error).message).to.equal('cannot send taskManager.answer from instance a: the task manager link is closed');
    expect([...a.failures, ...m.failures]).to.deep.equal([]);
  });

  it('refuses bad options with every problem', async () => {
    const refused = await RedisTaskManagerInbox.open({ redis: 'localhost:6379', applicationId: 'a b', instanceId: 'x/y', operationTimeoutMs: 0, maxLength: 0 }).then(
      () => undefined,
      (e: unknown) => (e as Error).message,
    );
    expect(refused).to.equal(
      [
        'invalid options of the task manager link:',
        `- redis must be a URL 'redis://host:port', got "localhost:6379"`,
        `- applicationId must be 1 to 100 letters, digits, '.', '_' or '-', got "a b"`,
        '- operationTimeoutMs must be an integer in 1..86400000 (ms), got 0',
        '- maxLength must be a positive integer, got 0',
        `- instanceId must be 1 to 100 letters, digits, '.', '_' or '-', got "x/y"`,
      ].join('\n'),
    );
    const badEpoch = await RedisTaskManagerLinks.open({ redis: url, applicationId: app, epoch: -1 }).then(
      () => undefined,
      (e: unknown) => (e as Error).message,
    );
    expect(badEpoch).to.equal('invalid options of the task manager link:\n- epoch must be a non-negative integer, got -1');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
