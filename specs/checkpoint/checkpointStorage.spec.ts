import { expect } from 'chai';
import { Either } from 'fp-ts/Either';
import { CheckpointStore } from '../../src/checkpoint/CheckpointStore';
import { FileCheckpointStore } from '../../src/checkpoint/FileCheckpointStore';
import { MemoryCheckpointStore } from '../../src/checkpoint/MemoryCheckpointStore';
import { checkpointStoreFor } from '../../src/checkpoint/checkpointStorage';

function expectRight(e: Either<string, CheckpointStore>): CheckpointStore {
  if (e._tag !== 'Right') return expect.fail(`expected a store, got: ${e.left}`);
  return e.right;
}

function expectLeft(e: Either<string, CheckpointStore>): string {
  if (e._tag !== 'Left') return expect.fail(`expected a refusal, got a store: ${e.right.description}`);
  return e.left;
}

// No store made here writes anything: construction touches neither memory nor disk.
describe('checkpoint/checkpointStorage', () => {
  describe('checkpointStoreFor', () => {
    it("'memory' gives a memory store", () => {
      const store = expectRight(checkpointStoreFor('memory', 'storage-spec-job', 1));
      expect(store).to.be.instanceOf(MemoryCheckpointStore);
      expect(store.description).to.equal('memory');
    });

    it("'file:/x' gives a file store with a folder for the job under /x", () => {
      const store = expectRight(checkpointStoreFor('file:/var/sluice/checkpoints', 'job-1', 1));
      expect(store).to.be.instanceOf(FileCheckpointStore);
      expect(store.description).to.equal('file:/var/sluice/checkpoints/job-1');
    });

    it("accepts the URL form 'file:///x' as /x", () => {
      expect(expectRight(checkpointStoreFor('file:///var/sluice', 'job-1', 1)).description).to.equal('file:/var/sluice/job-1');
    });

    it("refuses 'file:' with no directory, saying how to name one", () => {
      expect(expectLeft(checkpointStoreFor('file:', 'job-1', 1))).to.equal("checkpointStorage 'file:' names no directory; use 'file:/path/to/dir'");
    });

    it("refuses 'file://' with no directory too, rather than writing at the file system root", () => {
      expect(expectLeft(checkpointStoreFor('file://', 'job-1', 1))).to.include('names no directory');
    });

    it('refuses anything else, naming the supported forms', () => {
      for (const storage of ['s3://bucket/checkpoints', 'Memory', '']) {
        expect(expectLeft(checkpointStoreFor(storage, 'job-1', 1)), storage).to.equal(
          `checkpointStorage '${storage}' is not supported; use 'memory', 'file:/path/to/dir' or 'redis://host:port/db?prefix=<prefix>'`,
        );
      }
    });
  });
});
