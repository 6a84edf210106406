import { expect } from 'chai';
import { StreamEnvironment } from '../../src';

interface Reading {
  sensor: string;
  value: number;
  at: number;
}

const readings: Reading[] = [
  { sensor: 'a', value: 5, at: 1 },
  { sensor: 'b', value: 2, at: 2 },
  { sensor: 'a', value: 3, at: 3 },
  { sensor: 'a', value: 9, at: 4 },
  { sensor: 'b', value: 1, at: 5 },
];

function keyed() {
  return StreamEnvironment.create({ parallelism: 1 }).fromCollection(readings).keyBy((r) => r.sensor);
}

describe('api/KeyedStream', () => {
  it('reduce emits the running reduced value per key, one output per input', async () => {
    const out = await keyed()
      .reduce((acc, r) => ({ ...r, value: acc.value + r.value }))
      .executeAndCollect();
    expect(out.map((r) => [r.sensor, r.value])).to.deep.equal([
      ['a', 5],
      ['b', 2],
      ['a', 8],
      ['a', 17],
      ['b', 3],
    ]);
  });

  it('sum keeps the other fields of the key\'s first record, as Flink does', async () => {
    const out = await keyed().sum('value').executeAndCollect();
    expect(out).to.deep.equal([
      { sensor: 'a', value: 5, at: 1 },
      { sensor: 'b', value: 2, at: 2 },
      { sensor: 'a', value: 8, at: 1 },
      { sensor: 'a', value: 17, at: 1 },
      { sensor: 'b', value: 3, at: 2 },
    ]);
  });

  it('min and max emit the running extreme of the field per key', async () => {
    const mins = await keyed().min('value').executeAndCollect();
    expect(mins.map((r) => r.value)).to.deep.equal([5, 2, 3, 3, 1]);
    const maxs = await keyed().max('value').executeAndCollect();
    expect(maxs.map((r) => r.value)).to.deep.equal([5, 2, 5, 9, 2]);
  });

  it('sum of a stream of numbers sums the records themselves', async () => {
    const env = StreamEnvironment.create();
    const out = await env
      .fromCollection([1, 2, 3, 4])
      .keyBy((n) => n % 2)
      .sum()
      .executeAndCollect();
    expect(out).to.deep.equal([1, 2, 4, 6]);
  });
});
