import { expect } from 'chai';
import { Either } from 'fp-ts/Either';
import { execFileSync } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CHECKPOINT_FORMAT_VERSION, CheckpointId, CompletedCheckpoint } from '../../src/checkpoint/CheckpointTypes';
import { FileCheckpointStore } from '../../src/checkpoint/FileCheckpointStore';
import { ServiceError } from '../../src/services/ServiceError';

const JOB = 'job-file-store';

/** A checkpoint with every kind of node state, so a round trip proves nothing is lost. */
function checkpoint(id: number, jobId = JOB): CompletedCheckpoint {
  return {
    jobId,
    id: id as CheckpointId,
    timestamp: 1_700_000_000_000 + id,
    tasks: [
      { task: 'source-0', index: 0, parallelism: 1, nodes: { 'numbers-uid': { source: { offset: id * 10, file: 'in.txt' } } } },
      {
        task: 'count-0',
        index: 0,
        parallelism: 2,
        nodes: {
          'count-uid': {
            keyed: { keyGroups: { '17': { count: [['"apple"', String(id)]] } } },
            operator: { lists: { buffered: ['1', '2'] } },
          },
        },
      },
      { task: 'count-1', index: 1, parallelism: 2, nodes: {} },
    ],
  };
}

const right = <A>(a: A): Either<string, A> => ({ _tag: 'Right', right: a });

function expectLeft(e: Either<string, unknown>): string {
  if (e._tag !== 'Left') expect.fail(`expected a Left, got ${JSON.stringify(e)}`);
  return e.left;
}

describe('checkpoint/FileCheckpointStore', () => {
  let root: string;
  let jobDir: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-checkpoints-'));
    jobDir = path.join(root, JOB);
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  const files = async () => (await fs.readdir(jobDir)).sort();

  it('describes itself by the job folder', () => {
    expect(new FileCheckpointStore(root, JOB, 1).description).to.equal(`file:${jobDir}`);
  });

  it('has no latest checkpoint and no ids before the first add, and creates no folder', async () => {
    const store = new FileCheckpointStore(root, JOB, 1);
    expect(await store.latest()).to.deep.equal(right(undefined));
    expect(await store.ids()).to.deep.equal([]);
    expect(await fs.readdir(root)).to.deep.equal([]);
  });

  it('gives back exactly the checkpoint added, with every snapshot in it', async () => {
    const store = new FileCheckpointStore(root, JOB, 1);
    await store.add(checkpoint(1));
    expect(await store.latest()).to.deep.equal(right(checkpoint(1)));
  });

  it('is read back by another store on the same folder, as after a process restart', async () => {
    await new FileCheckpointStore(root, JOB, 1).add(checkpoint(7));
    expect(await new FileCheckpointStore(root, JOB, 1).latest()).to.deep.equal(right(checkpoint(7)));
  });

  it('makes the last added checkpoint the latest', async () => {
    const store = new FileCheckpointStore(root, JOB, 3);
    for (const id of [1, 2, 3]) await store.add(checkpoint(id));
    expect(await store.latest()).to.deep.equal(right(checkpoint(3)));
  });

  it('retains the last N checkpoints and removes the older files', async () => {
    const store = new FileCheckpointStore(root, JOB, 2);
    for (const id of [1, 2, 3, 4, 5]) await store.add(checkpoint(id));
    expect(await store.ids()).to.deep.equal([4, 5]);
    expect(await files()).to.deep.equal(['_latest', 'chk-4.json', 'chk-5.json']);
  });

  it('with one retained, keeps only the latest', async () => {
    const store = new FileCheckpointStore(root, JOB, 1);
    for (const id of [1, 2, 3]) await store.add(checkpoint(id));
    expect(await files()).to.deep.equal(['_latest', 'chk-3.json']);
  });

  it('lists ids in numeric order, oldest first (9 before 10)', async () => {
    const store = new FileCheckpointStore(root, JOB, 5);
    for (const id of [8, 9, 10, 11]) await store.add(checkpoint(id));
    expect(await store.ids()).to.deep.equal([8, 9, 10, 11]);
  });

  it('discardAll removes the job folder and leaves other jobs alone', async () => {
    const store = new FileCheckpointStore(root, JOB, 2);
    const other = new FileCheckpointStore(root, 'other-job', 2);
    await store.add(checkpoint(1));
    await other.add(checkpoint(1, 'other-job'));
    await store.discardAll();
    expect(await fs.readdir(root)).to.deep.equal(['other-job']);
    expect(await store.latest()).to.deep.equal(right(undefined));
    expect(await store.ids()).to.deep.equal([]);
    expect(await other.latest()).to.deep.equal(right(checkpoint(1, 'other-job')));
  });

  it('discardAll of a job that never stored anything succeeds', async () => {
    await new FileCheckpointStore(root, JOB, 1).discardAll();
    expect(await fs.readdir(root)).to.deep.equal([]);
  });

  describe('atomic completion (docs/internals.md, invariant 4): a crash at any step leaves the previous checkpoint usable', () => {
    it('after the data of n+1 is written but before the pointer moves, latest is still exactly n', async () => {
      const store = new FileCheckpointStore(root, JOB, 1);
      await store.add(checkpoint(1));
      await store.writeData(checkpoint(2)); // crash here: publish never runs
      expect(await store.latest()).to.deep.equal(right(checkpoint(1)));
      expect(await new FileCheckpointStore(root, JOB, 1).latest()).to.deep.equal(right(checkpoint(1)));
    });

    it('does not list a checkpoint whose pointer was never written among the retained ones', async () => {
      const store = new FileCheckpointStore(root, JOB, 2);
      await store.add(checkpoint(1));
      await store.writeData(checkpoint(2)); // crash here: checkpoint 2 does not exist
      expect(await store.ids()).to.deep.equal([1]);
    });

    it('after such a crash, completes the same checkpoint id again when it is retried', async () => {
      const store = new FileCheckpointStore(root, JOB, 1);
      await store.add(checkpoint(1));
      await store.writeData({ ...checkpoint(2), timestamp: 1 });
      await store.add(checkpoint(2));
      expect(await store.latest()).to.deep.equal(right(checkpoint(2)));
      expect(await files()).to.deep.equal(['_latest', 'chk-2.json']);
    });

    it('a half-written temporary checkpoint file changes nothing, and the next add removes it', async () => {
      const store = new FileCheckpointStore(root, JOB, 1);
      await store.add(checkpoint(1));
      const leftover = `chk-2.json.tmp-${process.pid + 1}`;
      await fs.writeFile(path.join(jobDir, leftover), JSON.stringify(checkpoint(2)).slice(0, 40));
      expect(await store.latest()).to.deep.equal(right(checkpoint(1)));
      expect(await store.ids()).to.deep.equal([1]);
      await store.add(checkpoint(2));
      expect(await files()).to.deep.equal(['_latest', 'chk-2.json']);
    });

    it('a leftover temporary pointer file with garbage does not change latest, and the next add clears it', async () => {
      const store = new FileCheckpointStore(root, JOB, 1);
      await store.add(checkpoint(1));
      await fs.writeFile(path.join(jobDir, `_latest.tmp-${process.pid}`), 'garb');
      await fs.writeFile(path.join(jobDir, `_latest.tmp-${process.pid + 1}`), '\u0000\u0001not an id');
      expect(await store.latest()).to.deep.equal(right(checkpoint(1)));
      await store.add(checkpoint(2));
      expect(await store.latest()).to.deep.equal(right(checkpoint(2)));
      expect(await files()).to.deep.equal(['_latest', 'chk-2.json']);
    });

    it('after the pointer moved but before older files were pruned, n+1 is the latest and the next add prunes', async () => {
      const store = new FileCheckpointStore(root, JOB, 1);
      await store.add(checkpoint(1));
      await store.writeData(checkpoint(2));
      await store.publish(2 as CheckpointId); // crash here: prune never runs
      expect(await store.latest()).to.deep.equal(right(checkpoint(2)));
      await store.add(checkpoint(3));
      expect(await files()).to.deep.equal(['_latest', 'chk-3.json']);
    });

    it('completes checkpoints added while an earlier add is still in flight, newest last, none lost', async () => {
      const store = new FileCheckpointStore(root, JOB, 1);
      await store.add(checkpoint(1));
      // With maxConcurrent > 1 the coordinator does not wait for one add before the next.
      await Promise.all([store.add(checkpoint(2)), store.add(checkpoint(3))]);
      expect(await store.latest()).to.deep.equal(right(checkpoint(3)));
      expect(await files()).to.deep.equal(['_latest', 'chk-3.json']);
    });
  });

  describe('a checkpoint read back is decoded, never trusted', () => {
    it('refuses a pointer that names a missing checkpoint, naming the file', async () => {
      const store = new FileCheckpointStore(root, JOB, 1);
      await store.add(checkpoint(1));
      await fs.writeFile(path.join(jobDir, '_latest'), '7');
      const error = expectLeft(await store.latest());
      expect(error).to.include(path.join(jobDir, 'chk-7.json'));
    });

    it('refuses a pointer that holds no checkpoint id, naming the pointer', async () => {
      await new FileCheckpointStore(root, JOB, 1).add(checkpoint(1));
      await fs.writeFile(path.join(jobDir, '_latest'), 'chk-1');
      const error = expectLeft(await new FileCheckpointStore(root, JOB, 1).latest());
      expect(error).to.include(path.join(jobDir, '_latest')).and.to.include("'chk-1'");
    });

    it('refuses a checkpoint file that is not JSON, naming the file', async () => {
      const store = new FileCheckpointStore(root, JOB, 1);
      await store.add(checkpoint(1));
      await fs.writeFile(path.join(jobDir, 'chk-1.json'), '{"jobId": "job-file-store", "id": 1, "tim');
      const error = expectLeft(await store.latest());
      expect(error).to.include(`checkpoint 1 at ${path.join(jobDir, 'chk-1.json')} is not JSON`);
    });

    it('refuses a checkpoint file of the wrong shape, naming the file and the bad field', async () => {
      const store = new FileCheckpointStore(root, JOB, 1);
      await store.add(checkpoint(1));
      const tampered = { formatVersion: CHECKPOINT_FORMAT_VERSION, ...checkpoint(1), tasks: [{ task: 'count-0', index: '0', parallelism: 1, nodes: {} }] };
      await fs.writeFile(path.join(jobDir, 'chk-1.json'), JSON.stringify(tampered));
      const error = expectLeft(await store.latest());
      expect(error).to.include(`checkpoint 1 at ${path.join(jobDir, 'chk-1.json')} is invalid`).and.to.include('index');
    });

    it('writes the format version into the file', async () => {
      await new FileCheckpointStore(root, JOB, 1).add(checkpoint(1));
      const stored = JSON.parse(await fs.readFile(path.join(jobDir, 'chk-1.json'), 'utf8')) as { formatVersion: unknown };
      expect(stored.formatVersion).to.equal(CHECKPOINT_FORMAT_VERSION);
    });

    it('refuses a checkpoint file of another format version, naming the file and both versions', async () => {
      const store = new FileCheckpointStore(root, JOB, 1);
      await store.add(checkpoint(1));
      await fs.writeFile(path.join(jobDir, 'chk-1.json'), JSON.stringify({ ...checkpoint(1), formatVersion: CHECKPOINT_FORMAT_VERSION + 1 }));
      const error = expectLeft(await store.latest());
      expect(error).to.include(`checkpoint 1 at ${path.join(jobDir, 'chk-1.json')} has format version ${CHECKPOINT_FORMAT_VERSION + 1}`);
      expect(error).to.include(`restores format ${CHECKPOINT_FORMAT_VERSION} only`);
    });

    it('refuses keyed state whose entries are not pairs of strings', async () => {
      const store = new FileCheckpointStore(root, JOB, 1);
      await store.add(checkpoint(1));
      const bad = JSON.parse(JSON.stringify({ formatVersion: CHECKPOINT_FORMAT_VERSION, ...checkpoint(1) }));
      bad.tasks[1].nodes['count-uid'].keyed.keyGroups['17'].count = [['"apple"', 1]];
      await fs.writeFile(path.join(jobDir, 'chk-1.json'), JSON.stringify(bad));
      expect(expectLeft(await store.latest())).to.include('is invalid');
    });
  });

  describe('a file system that does not answer', () => {
    it('fails a read within the bound, naming the folder, as an error a restart cannot mend', async () => {
      await fs.mkdir(jobDir, { recursive: true });
      // A read of a FIFO without a writer blocks, as a read from a hung mount does.
      const pointer = path.join(jobDir, '_latest');
      execFileSync('mkfifo', [pointer]);
      const store = new FileCheckpointStore(root, JOB, 1, 200);
      const started = Date.now();
      const error = await store.latest().then(() => undefined, (e: unknown) => e);
      try {
        expect(Date.now() - started).to.be.below(2000);
        expect(error).to.be.instanceOf(ServiceError).and.to.include({ service: 'file', target: jobDir, restartable: false });
        expect((error as Error).message).to.equal(`reading the latest checkpoint in ${jobDir}: the file system did not answer within 200 ms; check the disk or mount holding it`);
      } finally {
        // Ends the blocked read (end of file), so that no thread of the pool stays blocked.
        await (await fs.open(pointer, 'w')).close();
      }
    });
  });
});
