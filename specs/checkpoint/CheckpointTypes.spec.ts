import { expect } from 'chai';
import { isLeft, isRight } from 'fp-ts/Either';
import { CHECKPOINT_FORMAT_VERSION, CheckpointId, CompletedCheckpoint, decodeCompletedCheckpoint, encodeCompletedCheckpoint } from '../../src/checkpoint/CheckpointTypes';

const checkpoint: CompletedCheckpoint = {
  jobId: 'format-spec',
  id: 3 as CheckpointId,
  timestamp: 1_700_000_000_000,
  maxParallelism: 128,
  tasks: [{ task: 'count/0', index: 0, parallelism: 1, nodes: { count: { keyed: { keyGroups: { '5': { count: [['"a"', '2']] } } }, source: { offset: 30 } } } }],
};

const leftOf = (text: string) => {
  const decoded = decodeCompletedCheckpoint(text, '3 at chk-3.json');
  if (!isLeft(decoded)) return expect.fail(`expected a refusal, got ${JSON.stringify(decoded)}`);
  return decoded.left;
};

describe('checkpoint/CheckpointTypes: the stored format and its version', () => {
  it('writes the format version first and reads back the checkpoint without it', () => {
    const text = encodeCompletedCheckpoint(checkpoint);
    expect(text.startsWith(`{"formatVersion":${CHECKPOINT_FORMAT_VERSION},`)).to.equal(true);
    const decoded = decodeCompletedCheckpoint(text, '3 at chk-3.json');
    expect(isRight(decoded) && decoded.right).to.deep.equal(checkpoint);
  });

  it('takes a checkpoint without a version for format 1 (Sluice 0.1, keys hashed otherwise) and refuses it', () => {
    expect(CHECKPOINT_FORMAT_VERSION).to.equal(2);
    expect(leftOf(JSON.stringify(checkpoint))).to.match(/^checkpoint 3 at chk-3.json has format version 1, and this version of Sluice restores format 2 only: /);
  });

  for (const version of [CHECKPOINT_FORMAT_VERSION + 1, 0, '1', null]) {
    it(`refuses format version ${JSON.stringify(version)} before looking at the shape, saying what to do instead`, () => {
      // The shape is one this version does not know: a refusal by shape would hide the reason.
      const error = leftOf(JSON.stringify({ formatVersion: version, jobId: 'format-spec', checkpoint: 'of a newer shape' }));
      expect(error).to.equal(
        `checkpoint 3 at chk-3.json has format version ${JSON.stringify(version)}, and this version of Sluice restores format ${CHECKPOINT_FORMAT_VERSION} only: ` +
          "restore it with the Sluice release that wrote it, or start the job without it (another jobId, or discard the job's checkpoints); see docs/versioning.md",
      );
    });
  }

  it('refuses text that is not JSON, and a checkpoint of the wrong shape, naming where it is', () => {
    expect(leftOf('{"formatVersion": 1, "jobId"')).to.match(/^checkpoint 3 at chk-3.json is not JSON: /);
    expect(leftOf(JSON.stringify({ formatVersion: CHECKPOINT_FORMAT_VERSION, ...checkpoint, id: 'three' }))).to.match(/^checkpoint 3 at chk-3.json is invalid: .*three/);
  });
});
