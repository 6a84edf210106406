/**
 * One process's membership in a job run by many (docs/cluster.md): it renews its lease in
 * Redis every heartbeat, takes the leadership when the leader's lease runs out, and as leader
 * publishes a sticky assignment of splits and key groups whenever the live instances change;
 * every instance reads the assignment, reports what it owns, and writes under its epoch so
 * that a zombie's writes are refused. Nothing is started by hand: the first instance becomes
 * the leader, the others follow, and any of them takes over.
 */
import { randomBytes } from 'crypto';
import { isLeft } from 'fp-ts/Either';
import type Redis from 'ioredis';
import { createLogger, Logger, LoggingOption } from '../logging/logger';
import { ServiceError } from '../services/ServiceError';
import { DEFAULT_MAX_PARALLELISM } from '../state/keyGroups';
import { connectRedis, redactUrl, whenReady } from '../state/redisConnection';
import type { StateFencing } from '../state/redisFencing';
import { Assignment, decodeAssignment, nextAssignment, Ownership, ownershipLine, ownershipOf, SlotWork } from './Assignment';
import { ClusterOptions, ResolvedClusterOptions, resolveClusterOptions } from './ClusterOptions';
import { defineMembershipScripts, fencedSet, heartbeat, Heartbeat, Incarnation, leave, membershipKeys, publishAssignment } from './membershipScripts';
import { sourceSplits } from './sourceSplits';

/** The work the instances share, from the job's plan. */
export interface SharedWork {
  /** Topics whose partitions are the source splits (needs `kafka` in the options). */
  readonly sourceTopics?: readonly string[];
  /** Key groups 0..maxParallelism-1 (default 128). */
  readonly maxParallelism?: number;
  /** A job's subtask slots: assigned in place of splits and key groups, which follow them. */
  readonly slots?: SlotWork;
}

/** The assignment an instance holds: every instance's share, under its epoch. */
export interface HeldAssignment {
  readonly epoch: number;
  readonly leader: string;
  readonly assignment: Assignment;
}

/** An instance of a job, joined: what it owns, whether it leads, its fenced writes. */
export interface JobInstance {
  readonly instanceId: string;
  /** What this instance owns now, under which epoch. */
  ownership(): Ownership;
  /** Hears every change of ownership (a new epoch, being fenced); returns the function that stops it. */
  onOwnership(listener: (ownership: Ownership) => void): () => void;
  /** Whether this instance holds the leadership as of its last heartbeat. */
  isLeader(): boolean;
  /** The whole assignment this instance holds (every instance's share), or undefined before the first. */
  assignment(): HeldAssignment | undefined;
  /** The application's value `name` (as `write` wrote it), or undefined. */
  read(name: string): Promise<string | undefined>;
  /**
   * Writes `value` under the application's `name` in Redis if `epoch` (default: the epoch this
   * instance owns under) is still the job's: 'fenced' when a newer assignment or leader exists.
   */
  write(name: string, value: string, epoch?: number): Promise<'written' | 'fenced'>;
  /**
   * What fences the keyed-state writes of the tasks this instance runs now (the `fencing` of the
   * Redis backend): the job's epoch key and the epoch of the current ownership. The state must
   * be in the Redis (and database) of the cluster options; tasks started for a later ownership
   * take the fencing of that one.
   */
  stateFencing(): StateFencing;
  /** Leaves the job: the lease (and the leadership) go at once, so the others rebalance at their next heartbeat. */
  leave(): Promise<void>;
}

type Held = HeldAssignment;

/**
 * Joins the job named by `options.applicationId`: resolves once this instance owns its share
 * under a published assignment, or fails with a ServiceError when Redis (or, for the leader,
 * Kafka) gives none within `operationTimeoutMs`. Bad options are refused with every problem,
 * and an `instanceId` another live process holds is refused.
 *
 * @example
 * const instance = await joinInstances({ applicationId: 'clicks', redis: 'redis://127.0.0.1:6379', kafka: { brokers: ['127.0.0.1:9092'] } }, { sourceTopics: ['clicks'] });
 * instance.ownership(); // { epoch: 2, leader: 'host-1234-a1b2c3', state: 'owning', splits: ['clicks-0', …], keyGroups: [0, …, 127] }
 */
export async function joinInstances(options: ClusterOptions, work: SharedWork = {}, logging?: LoggingOption): Promise<JobInstance> {
  const resolved = resolveClusterOptions(options);
  if (isLeft(resolved)) throw new Error(`invalid cluster options:\n- ${resolved.left.join('\n- ')}`);
  const o = resolved.right;
  const topics = work.sourceTopics ?? [];
  if (topics.length > 0 && o.brokers === undefined) throw new Error(`invalid cluster options:\n- sourceTopics ${topics.join(', ')} need kafka: { brokers } in the cluster options`);
  const logger = createLogger(logging).child({ applicationId: o.applicationId, instance: o.instanceId });
  // A heartbeat must not wait longer than a lease: past it, the instance is out anyway.
  const redis = connectRedis(o.redis, `sluice-${o.applicationId}-${o.instanceId}`, { operationTimeoutMs: Math.min(o.operationTimeoutMs, o.leaseMs), logger });
  try {
    await whenReady(redis, o.redis, o.operationTimeoutMs);
  } catch (e) {
    redis.disconnect();
    throw e;
  }
  defineMembershipScripts(redis);
  const member = new Member(o, topics, work.maxParallelism ?? DEFAULT_MAX_PARALLELISM, work.slots, redis, logger);
  await member.firstAssignment();
  return member;
}

class Member implements JobInstance {
  readonly instanceId: string;
  /** This process's hold on the id: a second process with the id, or this one's zombie, is told apart. */
  private readonly me: Incarnation;
  /** Fails the join, while it is under way. */
  private failJoin: ((error: Error) => void) | undefined;
  private readonly keys;
  private current: Ownership;
  private held: Held | undefined;
  private leader = '';
  private readonly listeners = new Set<(o: Ownership) => void>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private stopped = false;
  /**
   * Fires leaseMs after the sending of the last heartbeat Redis answered: from then on Redis
   * may have dropped this instance and given its work to another, even if a heartbeat hangs.
   */
  private leaseEnd: NodeJS.Timeout | undefined;
  private lastProblem: string | undefined;

  constructor(
    private readonly o: ResolvedClusterOptions,
    private readonly topics: readonly string[],
    private readonly maxParallelism: number,
    private readonly slots: SlotWork | undefined,
    private readonly redis: Redis,
    private readonly logger: Logger,
  ) {
    this.instanceId = o.instanceId;
    this.me = { id: o.instanceId, token: randomBytes(8).toString('hex') };
    this.keys = membershipKeys(o.applicationId);
    this.current = { instanceId: o.instanceId, epoch: 0, leader: '', state: 'joining', splits: [], keyGroups: [], slots: [] };
    this.schedule(0);
  }

  ownership(): Ownership {
    return this.current;
  }

  onOwnership(listener: (ownership: Ownership) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  isLeader(): boolean {
    return this.leader === this.instanceId;
  }

  assignment(): HeldAssignment | undefined {
    return this.held;
  }

  async read(name: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.data(name))) ?? undefined;
  }

  async write(name: string, value: string, epoch = this.current.epoch): Promise<'written' | 'fenced'> {
    const outcome = await fencedSet(this.redis, this.keys, epoch, name, value);
    if (isLeft(outcome)) throw new ServiceError('redis', redactUrl(this.o.redis), outcome.left, true);
    return outcome.right;
  }

  stateFencing(): StateFencing {
    return { epochKey: this.keys.epoch, epoch: this.current.epoch };
  }

  async leave(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.leaseEnd);
    await this.ticking;
    try {
      await leave(this.redis, this.keys, this.me);
    } finally {
      this.redis.disconnect();
      this.change({ ...this.current, state: 'left', splits: [], keyGroups: [], slots: [] });
    }
  }

  /** Resolves at the first assignment that includes this instance; past operationTimeoutMs, leaves and fails. */
  firstAssignment(): Promise<void> {
    return new Promise((resolve, reject) => {
      const bound = setTimeout(() => {
        stop();
        const last = this.lastProblem === undefined ? '' : ` (last problem: ${this.lastProblem})`;
        const error = new ServiceError(
          'redis',
          redactUrl(this.o.redis),
          `instance ${this.instanceId} of ${this.o.applicationId} received no assignment within ${this.o.operationTimeoutMs} ms${last}. ` +
            'Check that Redis (and Kafka, for the source topics) answer; to wait longer, raise operationTimeoutMs.',
          true,
        );
        this.leave().then(
          () => reject(error),
          () => reject(error),
        );
      }, this.o.operationTimeoutMs);
      const stop = this.onOwnership((o) => {
        if (o.state !== 'owning') return;
        clearTimeout(bound);
        stop();
        this.failJoin = undefined;
        resolve();
      });
      this.failJoin = (error) => {
        clearTimeout(bound);
        stop();
        this.failJoin = undefined;
        this.stopped = true;
        clearTimeout(this.timer);
        this.redis.disconnect();
        reject(error);
      };
    });
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => this.schedule(this.o.heartbeatMs));
    }, delayMs);
  }

  private async tick(): Promise<void> {
    const sentAt = Date.now();
    let beat: Heartbeat;
    try {
      const reply = await heartbeat(this.redis, this.keys, this.me, this.o.leaseMs, this.held?.epoch ?? 0);
      if (isLeft(reply)) return this.problem(reply.left);
      if (reply.right === 'idTaken') return this.idTaken();
      beat = reply.right;
    } catch (e) {
      return this.problem(`heartbeat to Redis at ${redactUrl(this.o.redis)} failed: ${(e as Error).message}`);
    }
    if (this.stopped) return;
    this.armLeaseEnd(sentAt);
    this.leader = beat.leader;
    if (beat.tookOffice) this.logger.info({ epoch: beat.epoch }, `instance ${this.instanceId} took the leadership of ${this.o.applicationId} (epoch ${beat.epoch})`);
    if (beat.assignment !== undefined) {
      const decoded = decodeAssignment(beat.assignment.body);
      if (isLeft(decoded)) return this.problem(decoded.left);
      this.held = { epoch: beat.assignmentEpoch, leader: beat.assignment.leader, assignment: decoded.right };
    }
    if (beat.leader === this.instanceId) await this.lead(beat);
    this.follow();
  }

  /**
   * Another live process holds this instance's id: a join fails (two processes must not share an
   * id); an instance that had joined — its lease ran out and a successor took the id — stays
   * fenced until the id is free again.
   */
  private idTaken(): void {
    const message = `instance id ${this.instanceId} is held by another live process of ${this.o.applicationId}: give each instance its own instanceId (or leave it to the default)`;
    if (this.failJoin !== undefined) return this.failJoin(new Error(message));
    if (this.current.state === 'owning') this.change({ ...this.current, state: 'fenced', splits: [], keyGroups: [], slots: [] });
    this.problem(message);
  }

  private armLeaseEnd(sentAt: number): void {
    clearTimeout(this.leaseEnd);
    // Never before the heartbeat's own answer is handled: a paused process resumes here first.
    this.leaseEnd = setTimeout(() => this.leaseRanOut(), Math.max(0, sentAt + this.o.leaseMs - Date.now()));
  }

  private leaseRanOut(): void {
    if (this.current.state === 'owning') this.change({ ...this.current, state: 'fenced', splits: [], keyGroups: [], slots: [] });
  }

  /**
   * As leader: a new assignment when the live instances differ from the published one's, or
   * when the epoch moved past it (a leader took office since: another, or this one again after
   * its lease ran out), since nobody's writes are accepted until one is published.
   */
  private async lead(beat: Heartbeat): Promise<void> {
    const held = this.held;
    if (held !== undefined && held.epoch === beat.epoch && sameList(held.assignment.members, beat.members)) return;
    try {
      const splits = this.topics.length === 0 ? [] : await sourceSplits(this.o.brokers ?? [], this.topics, this.o.applicationId, this.o.operationTimeoutMs, this.logger);
      const next = nextAssignment(held?.assignment, beat.members, { splits, maxParallelism: this.maxParallelism, slots: this.slots });
      const published = await publishAssignment(this.redis, this.keys, this.me, beat.epoch, JSON.stringify(next));
      if (isLeft(published)) return this.problem(published.left);
      if (published.right === 'fenced') {
        this.logger.info({ epoch: beat.epoch }, `instance ${this.instanceId} lost the leadership of ${this.o.applicationId} before publishing (epoch ${beat.epoch} is over)`);
        return;
      }
      this.held = { epoch: published.right, leader: this.instanceId, assignment: next };
      this.logger.info({ epoch: published.right, members: next.members }, `leader ${this.instanceId} published the assignment of epoch ${published.right} to ${next.members.join(', ')}`);
    } catch (e) {
      this.problem(`leader ${this.instanceId} could not publish an assignment: ${(e as Error).message}`);
    }
  }

  /** Owns what the held assignment gives this instance; outside it, owns nothing. */
  private follow(): void {
    const held = this.held;
    if (held === undefined || (held.epoch === this.current.epoch && this.current.state === 'owning')) return;
    if (held.assignment.members.includes(this.instanceId)) this.change(ownershipOf(this.instanceId, held.epoch, held.leader, held.assignment));
    else if (this.current.state === 'owning') this.change({ ...this.current, state: 'fenced', splits: [], keyGroups: [], slots: [] });
  }

  private change(next: Ownership): void {
    this.current = next;
    this.lastProblem = undefined;
    const line = ownershipLine(next);
    if (next.state === 'fenced') this.logger.warn({ epoch: next.epoch }, line);
    else this.logger.info({ epoch: next.epoch, splits: next.splits.length, keyGroups: next.keyGroups.length }, line);
    for (const listener of [...this.listeners]) listener(next);
  }

  /** Logged once while it lasts; the next heartbeat tries again. */
  private problem(message: string): void {
    if (message !== this.lastProblem) this.logger.warn(message);
    this.lastProblem = message;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
