import { expect } from 'chai';
import { isRight } from 'fp-ts/Either';
import { ListStateDescriptor, Serializers, StateTtlConfig, Time, ValueStateDescriptor } from '../../src';
import { KeyedStateSnapshot } from '../../src/state/KeyedStateBackend';
import { keyGroupOf } from '../../src/state/keyGroups';
import { StateTable } from '../../src/state/StateTable';
import { Stamped, TtlStateTable } from '../../src/state/TtlStateTable';
import { onEachKeyedBackend } from '../support/keyedBackends';
import { checkpoint } from '../support/checkpointIds';

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
  onEachKeyedBackend((under) => {
    const hour = StateTtlConfig.of(Time.hours(1));
    const seenOf = (ttl = hour) => new ValueStateDescriptor('seen', Serializers.number).enableTimeToLive(ttl);
    /** A snapshot holding 'seen' for u1 written `ageMs` ago and for u2 written just now. */
    const aged = (ageMs: number): KeyedStateSnapshot => {
      const now = Date.now();
      return {
        keyGroups: {
          [String(keyGroupOf('u1', 128))]: { seen: [['u1', JSON.stringify([now - ageMs, '7'])]] },
          [String(keyGroupOf('u2', 128))]: { seen: [['u2', JSON.stringify([now, '8'])]] },
        },
      };
    };

    it('expires values per key, and snapshots keep the write times so a restore expires them on time', async () => {
      const backend = under.create();
      const seen = backend.getValueState(seenOf());
      const pages = backend.getListState(new ListStateDescriptor('pages', Serializers.string).enableTimeToLive(hour));
      await under.at(backend, 'u1');
      seen.update(7);
      pages.add('home');
      pages.add('cart');
      const snapshot = await backend.snapshot(checkpoint(1));
      const restored = under.create();
      expect(isRight(await restored.restore([snapshot]))).to.equal(true);
      await under.at(restored, 'u1');
      expect(restored.getValueState(seenOf()).value()).to.equal(7);
      expect(restored.getListState(new ListStateDescriptor('pages', Serializers.string).enableTimeToLive(hour)).get()).to.deep.equal(['home', 'cart']);
      // The stored entry carries its write time.
      const entry = snapshot.keyGroups[Object.keys(snapshot.keyGroups)[0]].seen[0][1];
      const [time, text] = JSON.parse(entry) as [number, string];
      expect(text).to.equal('7');
      expect(Math.abs(time - Date.now())).to.be.lessThan(60_000);
    });

    it('reads a restored value older than its time-to-live as absent, and drops it from the state and the next snapshot', async () => {
      const backend = under.create();
      await backend.restore([aged(2 * 3_600_000)]);
      const seen = backend.getValueState(seenOf());
      await under.at(backend, 'u1');
      expect(seen.value()).to.equal(undefined);
      await under.at(backend, 'u2');
      expect(seen.value()).to.equal(8);
      expect(backend.keyCounts()).to.deep.equal({ seen: 1 });
      const keys = Object.values((await backend.snapshot(checkpoint(2))).keyGroups).flatMap((g) => (g.seen ?? []).map(([k]) => k));
      expect(keys).to.deep.equal(['u2']);
    });

    it("with 'ReturnExpiredIfNotCleanedUp', the read that cleans an expired value up still sees it, the next does not", async () => {
      const backend = under.create();
      await backend.restore([aged(2 * 3_600_000)]);
      const seen = backend.getValueState(seenOf(StateTtlConfig.of(Time.hours(1), { visibility: 'ReturnExpiredIfNotCleanedUp' })));
      await under.at(backend, 'u1');
      expect(seen.value()).to.equal(7);
      expect(seen.value()).to.equal(undefined);
    });

    it("with 'OnReadAndWrite', a read stores a new write time, which the next snapshot carries", async () => {
      const backend = under.create();
      await backend.restore([aged(30 * 60_000)]);
      const seen = backend.getValueState(seenOf(StateTtlConfig.of(Time.hours(1), { updateType: 'OnReadAndWrite' })));
      const before = Date.now();
      await under.at(backend, 'u1');
      expect(seen.value()).to.equal(7);
      await under.at(backend, 'u2'); // u1 may leave the cache: its new time must reach the snapshot anyway
      const u1 = Object.values((await backend.snapshot(checkpoint(2))).keyGroups).flatMap((g) => (g.seen ?? []).filter(([k]) => k === 'u1'));
      expect(u1).to.have.length(1);
      expect((JSON.parse(u1[0][1]) as [number, string])[0]).to.be.at.least(before);
    });
  });
});
