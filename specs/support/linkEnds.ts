/**
 * The ground of the master↔task-manager link's specs: an application of its own per test (its
 * epoch at 5), a plain client on its Redis, and ends of the link that record what they receive
 * and the failures they report, all closed and the application's keys dropped after the test.
 */
import Redis from 'ioredis';
import { TaskManagerCommand, TaskManagerMsg } from '../../src/cluster/taskManagerProtocol';
import { RedisTaskManagerInbox, TaskManagerInbox, TaskManagerInboxOptions } from '../../src/cluster/RedisTaskManagerInbox';
import { RedisTaskManagerLinks, TaskManagerLinks, TaskManagerLinksOptions } from '../../src/cluster/RedisTaskManagerLinks';
import { TaskManagerLinkFailure } from '../../src/cluster/taskManagerLinkErrors';
import { defineLinkScripts, linkKeys, LinkKeys } from '../../src/cluster/taskManagerLinkStreams';
import { dropPrefix, redisUrl, uniquePrefix } from './redisService';

/** What one end received, in order. */
export interface Received<T> {
  readonly items: T[];
  readonly failures: TaskManagerLinkFailure[];
}

export interface LinkSpecGround {
  readonly url: string;
  readonly app: string;
  readonly keys: LinkKeys;
  /** A plain client (with the link's scripts defined) on the spec Redis. */
  readonly redis: Redis;
  /** A new application (epoch 5) for what follows, its keys dropped after the test. */
  newApp(): Promise<void>;
  /** Closes `end` after the test. */
  closing<E extends { close(): Promise<void> }>(end: E): E;
  master(epoch: number, more?: Partial<TaskManagerLinksOptions>): Promise<{ readonly links: TaskManagerLinks } & Received<[string, TaskManagerMsg] | [string, TaskManagerMsg, number]>>;
  inbox(instanceId: string, more?: Partial<TaskManagerInboxOptions>): Promise<{ readonly inbox: TaskManagerInbox } & Received<[TaskManagerCommand, number] | [TaskManagerCommand, number, number]>>;
}

/** Call inside `describe`: sets up and tears down the ground around each test. */
export function linkSpecGround(name: string): LinkSpecGround {
  let ends: { close(): Promise<void> }[] = [];
  let apps: string[] = [];
  const ground = {
    url: '',
    app: '',
    keys: linkKeys('none'),
    redis: undefined as unknown as Redis,
    async newApp() {
      ground.app = uniquePrefix(name);
      ground.keys = linkKeys(ground.app);
      apps.push(ground.app);
      await ground.redis.set(ground.keys.epoch, 5);
    },
    closing<E extends { close(): Promise<void> }>(end: E): E {
      ends.push(end);
      return end;
    },
    async master(epoch: number, more: Partial<TaskManagerLinksOptions> = {}) {
      const links = await RedisTaskManagerLinks.open({ redis: ground.url, applicationId: ground.app, epoch, operationTimeoutMs: 5000, ...more });
      ends.push(links);
      // A message of one of an instance's task managers carries its thread third.
      const received: Received<[string, TaskManagerMsg] | [string, TaskManagerMsg, number]> = { items: [], failures: [] };
      links.onFailure((f) => received.failures.push(f));
      links.onMessage((id, msg, thread) => received.items.push(thread === undefined ? [id, msg] : [id, msg, thread]));
      return { links, ...received };
    },
    async inbox(instanceId: string, more: Partial<TaskManagerInboxOptions> = {}) {
      const opened = await RedisTaskManagerInbox.open({ redis: ground.url, applicationId: ground.app, instanceId, operationTimeoutMs: 5000, ...more });
      ends.push(opened);
      const received: Received<[TaskManagerCommand, number] | [TaskManagerCommand, number, number]> = { items: [], failures: [] };
      opened.onFailure((f) => received.failures.push(f));
      opened.onCommand((command, epoch, thread) => received.items.push(thread === undefined ? [command, epoch] : [command, epoch, thread]));
      return { inbox: opened, ...received };
    },
  };
  before(async function () {
    ground.url = await redisUrl(this);
  });
  beforeEach(async () => {
    ground.redis = new Redis(ground.url);
    defineLinkScripts(ground.redis);
    await ground.newApp();
  });
  afterEach(async () => {
    await Promise.all(ends.map((e) => e.close()));
    ground.redis.disconnect();
    await Promise.all(apps.map((app) => dropPrefix(ground.url, `{sluice:${app}}`)));
    ends = [];
    apps = [];
  });
  return ground;
}
