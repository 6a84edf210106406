import { expect } from 'chai';
import { isRight } from 'fp-ts/Either';
import { ListStateDescriptor, Serializers, StateTtlConfig, Time, ValueStateDescriptor } from '../../src';
import { MemoryKeyedStateBackend } from '../../src/state/MemoryKeyedStateBackend';
import { StateTable } from '../../src/state/StateTable';
import { Stamped, TtlStateTable } from '../../src/state/TtlStateTable';

/** A one-slot table, as a backend gives for the current key. */
class Slot<V> implements StateTable<V> {
  value: V | undefined;
  get(): V | undefined {
    return this.value;
  }
  put(value: V): void {
    this.value = value;
  }
  remove(): void {
    this.value = undefined;
  }
}

describe('state/TtlStateTable', () => {
  let now = 1_000;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000;
  });

  it('returns a value until its time-to-live since the last write has passed, then removes it', () => {
    const slot = new Slot<Stamped<string>>();
    const table = new TtlStateTable<string>(slot, StateTtlConfig.of(100), clock);
    table.put('a');
    now = 1_099;
    expect(table.get()).to.equal('a');
    now = 1_100;
    expect(table.get()).to.equal(undefined);
    expect(slot.value, 'cleaned up on access').to.equal(undefined);
  });

  it("with 'OnReadAndWrite', a read renews the time-to-live", () => {
    const table = new TtlStateTable<string>(new Slot(), StateTtlConfig.of(100, { updateType: 'OnReadAndWrite' }), clock);
    table.put('a');
    now = 1_090;
    expect(table.get()).to.equal('a');
    now = 1_180;
    expect(table.get()).to.equal('a');
    now = 1_280;
    expect(table.get()).to.equal(undefined);
  });

  it("with 'ReturnExpiredIfNotCleanedUp', the read that cleans a value up still sees it", () => {
    const table = new TtlStateTable<string>(new Slot(), StateTtlConfig.of(100, { visibility: 'ReturnExpiredIfNotCleanedUp' }), clock);
    table.put('a');
    now = 2_000;
    expect(table.get()).to.equal('a');
    expect(table.get()).to.equal(undefined);
  });

  it('refuses a time-to-live that is not positive', () => {
    expect(() => StateTtlConfig.of(0)).to.throw(RangeError, /positive/);
  });
});

describe('state: time-to-live in a keyed backend', () => {
  const range = { start: 0, end: 127 };

  it('expires values per key, and snapshots keep the write times so a restore expires them on time', () => {
    const backend = new MemoryKeyedStateBackend(range, 128);
    const seen = backend.getValueState(new ValueStateDescriptor('seen', Serializers.number).enableTimeToLive(StateTtlConfig.of(Time.hours(1))));
    const pages = backend.getListState(new ListStateDescriptor('pages', Serializers.string).enableTimeToLive(StateTtlConfig.of(Time.hours(1))));
    backend.setCurrentKey('u1');
    seen.update(7);
    pages.add('home');
    pages.add('cart');
    const snapshot = backend.snapshot();
    const restored = new MemoryKeyedStateBackend(range, 128);
    expect(isRight(restored.restore([snapshot]))).to.equal(true);
    restored.setCurrentKey('u1');
    expect(restored.getValueState(new ValueStateDescriptor('seen', Serializers.number).enableTimeToLive(StateTtlConfig.of(Time.hours(1)))).value()).to.equal(7);
    expect(restored.getListState(new ListStateDescriptor('pages', Serializers.string).enableTimeToLive(StateTtlConfig.of(Time.hours(1)))).get()).to.deep.equal([
      'home',
      'cart',
    ]);
    // The stored entry carries its write time.
    const entry = snapshot.keyGroups[Object.keys(snapshot.keyGroups)[0]].seen[0][1];
    const [time, text] = JSON.parse(entry) as [number, string];
    expect(text).to.equal('7');
    expect(Math.abs(time - Date.now())).to.be.lessThan(60_000);
  });
});
