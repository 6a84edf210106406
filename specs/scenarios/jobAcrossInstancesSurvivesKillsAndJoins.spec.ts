/**
 * Issue 18, "Kill and add": one job over instances in processes of their own, on the real Redis
 * and broker. Three instances run a keyed count (parallelism 4: four slots) from a Kafka topic of
 * 12 partitions to a Kafka topic through the exactly-once sink, while the input is produced in
 * chunks; a random instance is SIGKILLed at a random moment, a fourth starts, and the leader is
 * SIGKILLed at a random moment (the next leader's job master takes over from the last completed
 * checkpoint). Kafka's own console consumer, in read_committed mode, then reads every input's
 * effect exactly once: 0 lost, 0 duplicated, every key's final count exact. Then the zombie:
 * the leader is stopped (SIGSTOP) for longer than its lease and continued; it finds itself
 * fenced, rejoins, and the output is again exactly once. Then the whole job restarts several
 * times within one epoch (injected task failures, no membership change): the tasks of the
 * attempt before are not fenced by an epoch there, and the output is again exactly once with
 * exact counts. Last, a count task fails once under
 * restartTask supervision (at-most-once checkpoints): it restarts alone on its instance, its
 * channels to the other instance wired again through Kafka; the job does not restart, nothing
 * is counted twice, and every other subtask counts exactly.
 */
import { expect } from 'chai';
import { rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Audit, audit, countBreaks, Counted, expectedCounts, keyOf } from '../support/countingJob';
import { keyGroupOf, operatorIndexForKeyGroup } from '../../src/state/keyGroups';
import { allOf, brief, InstanceProcess } from '../support/instanceProcess';
import { kafkaBootstrap } from '../support/kafkaService';
import Redis from 'ioredis';
import { createTopic, endOffsets, produceCountingInput, readCommitted, uniqueTopic } from '../support/kafkaTopics';
import { seededRandom } from '../support/killAndRestart';
import { dropPrefix, redisUrl, uniquePrefix } from '../support/redisService';

const INSTANCE = path.join(__dirname, 'fixtures', 'countingInstance.js');
const LEASE_MS = 4000;
const HEARTBEAT_MS = 500;
const PARTITIONS = 12;
const PARALLELISM = 4;
const RECORDS = 24_000;
const CHUNK = 1000;
const CHUNK_EVERY_MS = 500;
const KEYS = 50;
const SEED = 18;

/** The latest ownerships of `processes` are under one epoch and give out every slot exactly once. */
function slotsSharedOut(processes: readonly InstanceProcess[]): boolean {
  const latest = processes.map((p) => p.latest());
  if (latest.some((o) => o === undefined || o.state !== 'owning') || new Set(latest.map((o) => o!.epoch)).size !== 1) return false;
  const slots = latest.flatMap((o) => o!.slots).sort((a, b) => a - b);
  return slots.length === PARALLELISM && slots.every((s, i) => s === i);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Produces the input, events 0..RECORDS-1, a chunk every CHUNK_EVERY_MS. */
async function produceInChunks(bootstrap: string, input: string): Promise<void> {
  for (let from = 0; from < RECORDS; from += CHUNK) {
    await produceCountingInput(bootstrap, input, CHUNK, SEED, KEYS, from);
    await sleep(CHUNK_EVERY_MS);
  }
}

/**
 * What a read_committed reader (Kafka's console consumer) finds in the output: read until every
 * input's effect is there or a bound passes, then once more a few checkpoint intervals later
 * (nothing beyond exactly once may arrive late), and audited.
 */
async function judged(bootstrap: string, output: string): Promise<Audit & { readonly count: number }> {
  const read = async () => (await readCommitted(bootstrap, output, RECORDS)).map((r) => JSON.parse(r.value!) as Counted);
  const deadline = Date.now() + 180_000;
  while (audit(await read(), RECORDS, SEED, KEYS).lost > 0 && Date.now() < deadline) await sleep(3000);
  await sleep(3000);
  const outputs = await read();
  const judgement = audit(outputs, RECORDS, SEED, KEYS);
  if (judgement.lost > 0) process.stderr.write(`      lost inputs by key (key: count, first..last id): ${lostByKey(outputs)}\n`);
  if (judgement.stateUnder + judgement.stateOver > 0) process.stderr.write(`      counts not rising by one, by key: ${countBreaks(outputs).join('; ')}\n`);
  return { count: outputs.length, ...judgement };
}

/** Which inputs never came out, by key: a stalled source split loses the tail of a few keys, a lost transaction a stretch of one subtask's keys. */
function lostByKey(outputs: readonly Counted[]): string {
  const seen = new Set(outputs.map((o) => o.id));
  const byKey = new Map<number, number[]>();
  for (let id = 0; id < RECORDS; id++) if (!seen.has(id)) byKey.set(keyOf(id, SEED, KEYS), [...(byKey.get(keyOf(id, SEED, KEYS)) ?? []), id]);
  return [...byKey].map(([key, ids]) => `${key}: ${ids.length}, ${ids[0]}..${ids[ids.length - 1]}`).join('; ');
}

describe('scenario: one job across instances, with instances SIGKILLed and one added (issue 18, real Redis and broker)', function () {
  this.timeout(400_000);
  let url: string;
  let bootstrap: string;
  let app: string;
  let processes: InstanceProcess[] = [];

  before(async function () {
    this.timeout(600_000);
    url = await redisUrl(this);
    bootstrap = await kafkaBootstrap(this);
  });
  /** A fresh application and its topics; `start` runs an instance of it (with `env`). */
  async function freshJob(name: string, env: NodeJS.ProcessEnv = process.env) {
    app = uniquePrefix(name);
    const input = uniqueTopic(`instances-${name}-in`);
    const output = uniqueTopic(`instances-${name}-out`);
    await createTopic(bootstrap, input, PARTITIONS);
    await createTopic(bootstrap, output, 2);
    const start = (id: string) => new InstanceProcess(id, INSTANCE, [url, app, bootstrap, input, output, id, String(LEASE_MS), String(HEARTBEAT_MS), String(PARALLELISM)], env);
    return { input, output, start };
  }
  afterEach(async function () {
    // What each instance logged last: how a failed case ended (SLUICE_INSTANCE_LOGS keeps all of it).
    if (this.currentTest?.state === 'failed') for (const p of processes) process.stderr.write(`      --- ${p.id}'s stderr (tail) ---\n${p.errors()}\n`);
    await Promise.all(processes.map((p) => p.stop()));
    processes = [];
    await dropPrefix(url, `{sluice:${app}}`);
    await dropPrefix(url, `sluice:${app}`);
  });

  it('keeps every input exactly once in a read_committed reader of the output, with exact counts', async () => {
    const seed = Number(process.env.SLUICE_SCENARIO_SEED ?? Date.now() % 100_000);
    const random = seededRandom(seed);
    process.stderr.write(`      seed ${seed} (SLUICE_SCENARIO_SEED=${seed} runs the same kill moments)\n`);
    const { input, output, start } = await freshJob('count');

    processes = ['i-1', 'i-2', 'i-3'].map(start);
    await allOf(processes, () => slotsSharedOut(processes), 'sharing out the four slots among three', 120_000);
    const three = processes.map((p) => p.latest()!);
    expect(three.map((o) => o.slots.length).sort()).to.deep.equal([1, 1, 2]);
    // Each reports the splits and key groups its slots mean: every partition and key group once.
    expect(three.flatMap((o) => o.splits).sort()).to.deep.equal(Array.from({ length: PARTITIONS }, (_, p) => `${input}-${p}`).sort());
    expect(three.flatMap((o) => o.keyGroups).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 128 }, (_, g) => g));

    // The input arrives while instances die and join.
    const producing = produceInChunks(bootstrap, input);
    const live = () => processes.filter((p) => !p.hasExited);
    /** Kills a random live instance, or the leader, at a random moment; resolves once the survivors share out the slots. */
    const killOne = async (what: string, leader: boolean) => {
      await sleep(1000 + random() * 5000);
      const candidates = live();
      const victim = leader ? candidates.find((p) => p.id === p.latest()!.leader)! : candidates[Math.floor(random() * candidates.length)];
      process.stderr.write(`      ${what}: SIGKILL ${victim.id} (${JSON.stringify(brief(victim.latest()!))})\n`);
      const killedAt = Date.now();
      victim.signal('SIGKILL');
      await victim.until(() => victim.hasExited, 'killed', 10_000).catch(() => undefined);
      const survivors = live();
      await allOf(survivors, () => slotsSharedOut(survivors), `the survivors of ${victim.id} sharing out the slots`, 120_000);
      // Not asserted (no timed tests): for the report.
      process.stderr.write(`      ${what}: the survivors own its slots ${Date.now() - killedAt} ms after (lease ${LEASE_MS} ms)\n`);
    };

    await killOne('first kill (a random instance)', false);
    const added = start('i-4');
    processes.push(added);
    await allOf(live(), () => slotsSharedOut(live()), 'sharing out the slots with i-4', 120_000);
    expect(added.latest()!.slots.length).to.be.at.least(1);
    // The leader dies too: the next leader's job master restores the latest completed checkpoint.
    await killOne('second kill (the leader)', true);
    await producing;

    expect(await judged(bootstrap, output)).to.deep.equal({ count: RECORDS, lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
  });

  it('fences a leader stopped past its lease (SIGSTOP) and continued: it reports itself fenced, rejoins under a newer epoch, and nothing is lost or duplicated', async () => {
    const { input, output, start } = await freshJob('zombie');
    processes = ['i-1', 'i-2', 'i-3'].map(start);
    await allOf(processes, () => slotsSharedOut(processes), 'sharing out the four slots among three', 120_000);
    const producing = produceInChunks(bootstrap, input);
    await sleep(3000);

    // The leader stops for two leases: the others take over under a new leader and epoch.
    const zombie = processes.find((p) => p.id === p.latest()!.leader)!;
    const stoppedEpoch = zombie.latest()!.epoch;
    const others = processes.filter((p) => p !== zombie);
    zombie.signal('SIGSTOP');
    await allOf(others, () => slotsSharedOut(others) && others[0].latest()!.leader !== zombie.id, 'taking over from the stopped leader', 120_000);
    await sleep(LEASE_MS);

    // It comes back: it finds itself fenced (its lease ran out), then joins again under a newer epoch.
    const seen = zombie.ownerships.length;
    zombie.signal('SIGCONT');
    await zombie.until(() => zombie.ownerships.slice(seen).some((o) => o.state === 'fenced'), 'reporting itself fenced', 60_000);
    await allOf(processes, () => slotsSharedOut(processes), 'sharing out the slots with the one that came back', 120_000);
    expect(zombie.latest()!.epoch).to.be.greaterThan(stoppedEpoch);
    expect(zombie.latest()!.leader).to.not.equal(zombie.id);
    await producing;

    expect(await judged(bootstrap, output)).to.deep.equal({ count: RECORDS, lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
  });

  it('restarts the whole job within its epoch after task failures: every input exactly once, exact counts', async () => {
    // Failures that are no membership change: the job restarts under the same epoch, so the
    // tasks of the attempt before are not fenced by it and must be gone before the next restores.
    const marker = path.join(os.tmpdir(), uniquePrefix('sluice-job-fails'));
    const failsAt = [3000, 8000, 13000, 18000];
    const { input, output, start } = await freshJob('restarts', { ...process.env, SLUICE_JOB_FAILS_AT: failsAt.join(','), SLUICE_FAIL_MARKER: marker });
    processes = ['i-1', 'i-2', 'i-3'].map(start);
    await allOf(processes, () => slotsSharedOut(processes), 'sharing out the four slots among three', 120_000);
    const epoch = processes[0].latest()!.epoch;
    await produceInChunks(bootstrap, input);
    const judgement = await judged(bootstrap, output);
    for (const id of failsAt) rmSync(`${marker}-${id}`, { force: true });
    expect(processes.map((p) => p.latest()!.epoch), 'no membership change').to.deep.equal([epoch, epoch, epoch]);
    expect(judgement).to.deep.equal({ count: RECORDS, lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
  });

  it('ends on every instance a job that finished under an earlier leader (its mark in Redis), instead of running it again from its beginning', async () => {
    const { input, output, start } = await freshJob('finished');
    await produceCountingInput(bootstrap, input, CHUNK, SEED, KEYS, 0);
    // What the master of a finished job leaves before it discards its checkpoints (RedisCheckpointStore.discardAll, fenced).
    const redis = new Redis(url);
    await redis.set(`sluice:${app}:finished`, JSON.stringify({ epoch: 1, at: Date.now() }));
    redis.disconnect();
    processes = ['i-1', 'i-2'].map(start);
    const ended = (p: InstanceProcess) => p.lines.find((l) => l.type === 'ended')?.status;
    await Promise.all(processes.map((p) => p.until(() => ended(p) !== undefined, 'ending', 60_000)));
    expect(processes.map(ended)).to.deep.equal(['finished', 'finished']);
    // Nothing ran: not one record (nor an aborted transaction's) in the output.
    expect(await endOffsets(bootstrap, output)).to.deep.equal([0, 0]);
  });

  it('cancels the job when its instances are stopped at once (SIGTERM): the leader ends too, though a member left while the job stopped', async () => {
    const { input, start } = await freshJob('stop');
    processes = ['i-1', 'i-2'].map(start);
    await allOf(processes, () => slotsSharedOut(processes), 'sharing out the four slots between two', 120_000);
    await produceCountingInput(bootstrap, input, CHUNK, SEED, KEYS);
    await sleep(2000);
    // The member leaves (a new epoch) while the leader's job master cancels the job: no
    // placement is left to send the leader's own stop command through.
    for (const p of processes) p.signal('SIGTERM');
    for (const p of processes) await p.until(() => p.hasExited, 'exiting after SIGTERM', 60_000);
    expect(processes.map((p) => p.lines.filter((l) => l.type === 'ended').map((l) => l.status))).to.deep.equal([['cancelled'], ['cancelled']]);
  });

  it("runs each instance's tasks on two task managers (worker threads), the channels between them in memory: a thread that exits mid-stream and an instance SIGKILLed lose and repeat nothing", async () => {
    const marker = path.join(os.tmpdir(), uniquePrefix('sluice-thread-exits'));
    const { input, output, start } = await freshJob('threads', { ...process.env, SLUICE_TASK_MANAGERS: '2', SLUICE_THREAD_EXITS_AT: '6000', SLUICE_FAIL_MARKER: marker });
    processes = ['i-1', 'i-2'].map(start);
    await allOf(processes, () => slotsSharedOut(processes), 'sharing out the four slots between two', 120_000);
    /** The worker threads of `p` where a count opened since its line `from`. */
    const countThreads = (p: InstanceProcess, from = 0) => new Set(p.lines.slice(from).filter((l) => l.type === 'count-opened').map((l) => l.thread as number));
    // Two slots each, one per task manager: every count runs in a worker thread, two threads per process.
    await allOf(processes, () => processes.every((p) => countThreads(p).size === 2), 'opening the counts on two task managers of each instance', 120_000);
    expect(processes.flatMap((p) => [...countThreads(p)]).every((thread) => thread > 0), 'no count in a main thread').to.equal(true);
    const producing = produceInChunks(bootstrap, input);
    // Input 6000 comes in the seventh chunk, about 3 s in: the task manager counting it exits (the job restarts in its epoch).
    await sleep(6000);
    const leader = processes.find((p) => p.id === p.latest()!.leader)!;
    const victim = processes.find((p) => p !== leader)!;
    victim.signal('SIGKILL');
    await victim.until(() => victim.hasExited, 'killed', 10_000).catch(() => undefined);
    const seen = leader.lines.length;
    await allOf([leader], () => slotsSharedOut([leader]), `${leader.id} taking all four slots`, 120_000);
    // Four slots on its two task managers now: counts open again in two threads of it.
    await leader.until(() => countThreads(leader, seen).size === 2, 'opening the four counts on its two task managers', 120_000);
    await producing;

    const judgement = await judged(bootstrap, output);
    rmSync(marker, { force: true });
    const exits = leader.lines.filter((l) => l.type === 'failure' && /task manager \d of instance i-\d exited/.test(l.message as string));
    expect(exits.length, "the thread's exit, as the leader's job master saw it").to.be.at.least(1);
    expect(judgement).to.deep.equal({ count: RECORDS, lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
  });

  // With two task managers per instance, the failing task's channels go in memory to the instance's other thread and through Kafka to the other instance.
  for (const taskManagers of [undefined, '2']) {
    it(`restarts a task alone on its instance (restartTask supervision)${taskManagers === undefined ? '' : ', its instances on two task managers each'}: no job restart, nothing counted twice, the other subtasks exact`, async () => {
      const failAt = RECORDS / 2;
      const marker = path.join(os.tmpdir(), uniquePrefix('sluice-failed'));
      const { input, output, start } = await freshJob('alone', { ...process.env, SLUICE_FAIL_AT: String(failAt), SLUICE_FAIL_MARKER: marker, ...(taskManagers === undefined ? {} : { SLUICE_TASK_MANAGERS: taskManagers }) });
      processes = ['i-1', 'i-2'].map(start);
      await allOf(processes, () => slotsSharedOut(processes), 'sharing out the four slots between two', 120_000);
      const leader = processes.find((p) => p.id === p.latest()!.leader)!;
      const failures = () => leader.lines.filter((l) => l.type === 'failure');
      // The membership's own restarts (the job started before both joined) come before the input.
      await sleep(5000);
      const before = failures().length;
      await produceInChunks(bootstrap, input);
      await leader.until(() => failures().some((f) => String(f.message).includes(`injected failure at input ${failAt}`)), 'reporting the injected failure', 120_000);
      rmSync(marker, { force: true });

      // Read until the output stands still (the failing task's in-flight input is lost: restartTask is at-most-once for it).
      const read = async () => (await readCommitted(bootstrap, output, RECORDS)).map((r) => JSON.parse(r.value!) as Counted);
      let outputs = await read();
      for (const deadline = Date.now() + 180_000; Date.now() < deadline; ) {
        await sleep(3000);
        const again = await read();
        if (again.length === outputs.length && outputs.length > 0) break;
        outputs = again;
      }
      expect(failures().slice(before).map((f) => f.action)).to.deep.equal(['restartTask']);
      const seen = new Uint8Array(RECORDS);
      for (const o of outputs) seen[o.id]++;
      expect(seen.filter((n) => n > 1).length, 'inputs counted twice').to.equal(0);
      // Every subtask but the failing one counted each of its inputs once, exactly.
      const subtaskOf = (key: number) => operatorIndexForKeyGroup(keyGroupOf(key, 128), PARALLELISM, 128);
      // The subtask that failed: the one that counts the key of the input it failed at.
      const failing = subtaskOf(keyOf(failAt, SEED, KEYS));
      const expected = expectedCounts(RECORDS, SEED, KEYS);
      const finalCount = new Map<number, number>();
      for (const o of outputs) finalCount.set(o.key, Math.max(finalCount.get(o.key) ?? 0, o.count));
      const others = [...expected.keys()].filter((k) => subtaskOf(k) !== failing);
      expect(others.length).to.be.greaterThan(0);
      for (const k of others) expect(finalCount.get(k), `key ${k}`).to.equal(expected.get(k));
      const missing = [...seen.keys()].filter((id) => seen[id] === 0 && subtaskOf(keyOf(id, SEED, KEYS)) !== failing);
      expect(missing, 'inputs of the other subtasks lost').to.deep.equal([]);
    });
  }
});
