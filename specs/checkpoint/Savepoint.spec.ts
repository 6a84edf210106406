import { expect } from 'chai';
import { Either, isLeft, isRight } from 'fp-ts/Either';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckpointId, CompletedCheckpoint } from '../../src/checkpoint/CheckpointTypes';
import { SAVEPOINT_METADATA, SAVEPOINT_VERSION, readRestoreSource, readSavepoint, writeSavepoint } from '../../src/checkpoint/Savepoint';

const checkpoint: CompletedCheckpoint = {
  jobId: 'orders',
  id: 7 as CheckpointId,
  timestamp: 1_700_000_000_000,
  maxParallelism: 128,
  tasks: [
    { task: '1-0', index: 0, parallelism: 2, nodes: { counts: { keyed: { keyGroups: { '3': { count: [['"a"', '2']] } } } } } },
    { task: '1-1', index: 1, parallelism: 2, nodes: { counts: { keyed: { keyGroups: {} } }, source: { source: { next: 12 } } } },
  ],
};

function problem<T>(e: Either<string, T>): string {
  if (!isLeft(e)) throw new Error('expected a refusal');
  return e.left;
}

describe('checkpoint/Savepoint', () => {
  let dir: string;
  beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-savepoint-spec-'))));
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('reads back what it wrote: a metadata file of format version 1 and a file per task', async () => {
    const info = await writeSavepoint(path.join(dir, 'sp'), checkpoint);
    expect(info).to.deep.equal({ path: path.join(dir, 'sp'), checkpointId: 7 });
    expect((await fs.readdir(info.path)).sort()).to.deep.equal([SAVEPOINT_METADATA, 'task-0.json', 'task-1.json']);
    const metadata = JSON.parse(await fs.readFile(path.join(info.path, SAVEPOINT_METADATA), 'utf8'));
    expect(metadata).to.deep.include({ format: 'sluice-savepoint', version: 1, jobId: 'orders', checkpointId: 7, maxParallelism: 128 });
    expect(SAVEPOINT_VERSION).to.equal(1);
    const read = readSavepoint(info.path);
    expect(isRight(read) && read.right).to.deep.equal(checkpoint);
  });

  it('refuses to write into a directory that holds a savepoint already', async () => {
    await writeSavepoint(dir, checkpoint);
    const error = await writeSavepoint(dir, checkpoint).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.equal(`'${dir}' holds a savepoint already; give each savepoint a directory of its own`);
  });

  it("writes a memory backend's chain of deltas as the full copy it folds into", async () => {
    const chained: CompletedCheckpoint = {
      ...checkpoint,
      tasks: [
        {
          task: '1-0',
          index: 0,
          parallelism: 1,
          nodes: {
            counts: {
              keyed: {
                keyGroups: { '3': { count: [['"a"', '2'], ['"b"', '5']] } },
                increments: [
                  { keyGroups: { '3': { count: [['"a"', '3']] } }, removed: {} },
                  { keyGroups: { '9': { count: [['"c"', '1']] } }, removed: { '3': { count: ['"b"'] } } },
                ],
              },
            },
          },
        },
      ],
    };
    const info = await writeSavepoint(dir, chained);
    const read = readSavepoint(info.path);
    expect(isRight(read) && read.right.tasks[0].nodes.counts.keyed).to.deep.equal({ keyGroups: { '3': { count: [['"a"', '3']] }, '9': { count: [['"c"', '1']] } } });
  });

  it('refuses to write keyed state that only references incremental pieces in Redis', async () => {
    const incremental: CompletedCheckpoint = { ...checkpoint, tasks: [{ task: '1-0', index: 0, parallelism: 1, nodes: { counts: { keyed: { keyGroups: {}, redis: { space: 's', chains: { '3': ['7'] } } } } } }] };
    const error = await writeSavepoint(dir, incremental).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.match(/references incremental pieces in Redis; materialize its keyed state first/);
  });

  describe('when the directory is not a savepoint this version reads', () => {
    it('refuses a directory without metadata', () => {
      expect(problem(readSavepoint(dir))).to.equal(
        `cannot restore from '${dir}': no _metadata file there, so it is not a savepoint (or one whose writing did not complete); give the directory job.savepoint(dir) wrote`,
      );
    });

    it("refuses another program's metadata", async () => {
      await fs.writeFile(path.join(dir, SAVEPOINT_METADATA), JSON.stringify({ checkpointId: 3, operatorStates: [] }));
      expect(problem(readSavepoint(dir))).to.equal(`cannot restore from '${dir}': _metadata is not a Sluice savepoint's (format undefined, expected 'sluice-savepoint')`);
    });

    it('refuses metadata that is not JSON', async () => {
      await fs.writeFile(path.join(dir, SAVEPOINT_METADATA), Buffer.from([0xca, 0xfe, 0xba, 0xbe]));
      expect(problem(readSavepoint(dir))).to.equal(`cannot restore from '${dir}': _metadata is not JSON, so it is not a Sluice savepoint`);
    });

    it('refuses another format version, naming both', async () => {
      await writeSavepoint(dir, checkpoint);
      const metadata = JSON.parse(await fs.readFile(path.join(dir, SAVEPOINT_METADATA), 'utf8'));
      await fs.writeFile(path.join(dir, SAVEPOINT_METADATA), JSON.stringify({ ...metadata, version: 2 }));
      expect(problem(readSavepoint(dir))).to.equal(`cannot restore from '${dir}': the savepoint has format version 2; this Sluice reads version 1`);
    });

    it('refuses a task file that is missing or of the wrong shape', async () => {
      await writeSavepoint(dir, checkpoint);
      await fs.writeFile(path.join(dir, 'task-1.json'), JSON.stringify({ task: '1-1', index: 'one' }));
      expect(problem(readSavepoint(dir))).to.match(/^cannot restore from '.*': invalid task file task-1\.json: /);
      await fs.rm(path.join(dir, 'task-1.json'));
      expect(problem(readSavepoint(dir))).to.match(/^cannot restore from '.*': its task file task-1\.json cannot be read: ENOENT/);
    });
  });

  describe('readRestoreSource', () => {
    it("reads a file checkpoint storage's retained checkpoint file as the checkpoint to start from", async () => {
      const file = path.join(dir, 'chk-7.json');
      await fs.writeFile(file, JSON.stringify(checkpoint));
      const read = readRestoreSource(file);
      expect(isRight(read) && read.right).to.deep.equal(checkpoint);
    });

    it('refuses a checkpoint that only references incremental state in Redis, naming the way out', async () => {
      const file = path.join(dir, 'chk-8.json');
      await fs.writeFile(file, JSON.stringify({ ...checkpoint, tasks: [{ task: '1-0', index: 0, parallelism: 1, nodes: { counts: { keyed: { keyGroups: {}, redis: { space: 's', chains: {} } } } } }] }));
      expect(problem(readRestoreSource(file))).to.equal(`cannot restore from '${file}': the checkpoint references incremental state in Redis; take a savepoint to move that state`);
    });

    it('reads anything else as a savepoint directory', () => {
      expect(problem(readRestoreSource(path.join(dir, 'nothing')))).to.match(/no _metadata file there/);
    });
  });
});
