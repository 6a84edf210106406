import { expect } from 'chai';
import { StreamEnvironment } from '../../src';

const lines = [
  'to be or not to be',
  'that is the question',
  'whether tis nobler in the mind to suffer',
  'the slings and arrows of outrageous fortune',
  'or to take arms against a sea of troubles',
];

function expectedCounts(): Map<string, number> {
  const m = new Map<string, number>();
  for (const w of lines.join(' ').split(' ')) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}

async function wordCount(parallelism: number) {
  const env = StreamEnvironment.create({ parallelism, batchSize: 4 });
  return env
    .fromCollection(lines)
    .flatMap<{ word: string; count: number }>((line, out) => line.split(' ').forEach((word) => out.collect({ word, count: 1 })))
    .keyBy((r) => r.word)
    .sum('count')
    .executeAndCollect('word count');
}

describe('scenario: word count', () => {
  for (const parallelism of [1, 2, 4]) {
    it(`gives the same final counts at parallelism ${parallelism}`, async () => {
      const updates = await wordCount(parallelism);
      const final = new Map<string, number>();
      for (const u of updates) final.set(u.word, u.count);
      expect(final).to.deep.equal(expectedCounts());
      // One running update per word occurrence, as Flink's rolling sum emits.
      expect(updates).to.have.length(lines.join(' ').split(' ').length);
    });
  }

  it('emits running counts per word in input order at parallelism 1', async () => {
    const updates = await wordCount(1);
    const tos = updates.filter((u) => u.word === 'to').map((u) => u.count);
    expect(tos).to.deep.equal([1, 2, 3, 4]);
  });
});
