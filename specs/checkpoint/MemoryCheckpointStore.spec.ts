import { expect } from 'chai';
import { CheckpointId, CompletedCheckpoint } from '../../src/checkpoint/CheckpointTypes';
import { MemoryCheckpointStore } from '../../src/checkpoint/MemoryCheckpointStore';

let jobCounter = 0;

const checkpoint = (jobId: string, id: number): CompletedCheckpoint => ({
  jobId,
  id: id as CheckpointId,
  timestamp: id,
  tasks: [{ task: 'map-0', index: 0, parallelism: 1, nodes: { 'map-uid': { operator: { lists: { seen: [String(id)] } } } } }],
});

describe('checkpoint/MemoryCheckpointStore', () => {
  // Stores are shared by job id for the whole process: a unique job per test, dropped after it.
  let jobId: string;
  let store: MemoryCheckpointStore;
  beforeEach(() => {
    jobId = `memory-store-spec-${process.pid}-${++jobCounter}`;
    store = new MemoryCheckpointStore(jobId, 2);
  });
  afterEach(async () => {
    await store.discardAll();
  });

  it('describes itself as memory', () => {
    expect(store.description).to.equal('memory');
  });

  it('has no latest checkpoint and no ids before the first add', async () => {
    expect(await store.latest()).to.deep.equal({ _tag: 'Right', right: undefined });
    expect(await store.ids()).to.deep.equal([]);
  });

  it('gives back the last checkpoint added', async () => {
    await store.add(checkpoint(jobId, 1));
    await store.add(checkpoint(jobId, 2));
    expect(await store.latest()).to.deep.equal({ _tag: 'Right', right: checkpoint(jobId, 2) });
  });

  it('retains the last N checkpoints, oldest first', async () => {
    for (const id of [1, 2, 3, 4]) await store.add(checkpoint(jobId, id));
    expect(await store.ids()).to.deep.equal([3, 4]);
  });

  it('is shared by job id: a store created later for the same job (a job run again) sees its checkpoints', async () => {
    await store.add(checkpoint(jobId, 5));
    const again = new MemoryCheckpointStore(jobId, 2);
    expect(await again.latest()).to.deep.equal({ _tag: 'Right', right: checkpoint(jobId, 5) });
    expect(await again.ids()).to.deep.equal([5]);
  });

  it('keeps jobs apart', async () => {
    const other = new MemoryCheckpointStore(`${jobId}-other`, 2);
    await store.add(checkpoint(jobId, 1));
    try {
      expect(await other.latest()).to.deep.equal({ _tag: 'Right', right: undefined });
      expect(await other.ids()).to.deep.equal([]);
    } finally {
      await other.discardAll();
    }
  });

  it('discardAll drops every checkpoint of the job, for every store of it', async () => {
    await store.add(checkpoint(jobId, 1));
    const again = new MemoryCheckpointStore(jobId, 2);
    await again.discardAll();
    expect(await store.latest()).to.deep.equal({ _tag: 'Right', right: undefined });
    expect(await store.ids()).to.deep.equal([]);
  });
});
