import { expect } from 'chai';
import fc from 'fast-check';
import { CheckpointId } from '../../src/checkpoint/CheckpointTypes';
import { UnalignedEffect, UnalignedEvent, UnalignedState, initialUnaligned, isRecording, unalignedTransition } from '../../src/checkpoint/unalignedBarriers';

// --- a scripted timeline: events in order of arrival, with the effects of each -----------------

const cid = (n: number) => n as CheckpointId;
const barrier = (id: number, channel: number): UnalignedEvent => ({ type: 'barrier', channel, id: cid(id) });
const ended = (channel: number): UnalignedEvent => ({ type: 'channelEnded', channel });
const cancel = (id: number): UnalignedEvent => ({ type: 'cancel', id: cid(id) });

const snapshot = (id: number): UnalignedEffect => ({ type: 'snapshot', id: cid(id) });
const acknowledge = (id: number): UnalignedEffect => ({ type: 'acknowledge', id: cid(id) });
const subsumed = (id: number): UnalignedEffect => ({ type: 'subsumed', id: cid(id) });
const discard = (id: number): UnalignedEffect => ({ type: 'discard', id: cid(id) });
const forwardCancel = (id: number): UnalignedEffect => ({ type: 'forwardCancel', id: cid(id) });

type Step = readonly [event: UnalignedEvent, effects: readonly UnalignedEffect[]];

const show = (e: UnalignedEvent) => (e.type === 'barrier' ? `barrier(${e.id}, ch ${e.channel})` : e.type === 'channelEnded' ? `ended(ch ${e.channel})` : `cancel(${e.id})`);

/**
 * Feeds the events in order, as a task does (a channel whose end of input arrives joins
 * `endArrived` before its event is applied), checks each step's effects, returns the final state.
 */
function play(setup: { channels: number; running?: boolean; from?: UnalignedState; endArrived?: readonly number[] }, steps: readonly Step[]): UnalignedState {
  const endArrived = new Set<number>(setup.endArrived ?? []);
  let state = setup.from ?? initialUnaligned;
  steps.forEach(([event, expected], i) => {
    if (event.type === 'channelEnded') endArrived.add(event.channel);
    const next = unalignedTransition(state, event, { channels: setup.channels, endArrived, running: setup.running ?? true });
    expect(next.effects, `step ${i}: ${show(event)}`).to.deep.equal(expected);
    state = next.state;
  });
  return state;
}

/** Nothing left over: no checkpoint collecting channel state, the newest seen is `latest`. */
function expectWaiting(state: UnalignedState, latest: number): void {
  expect(state).to.deep.equal({ kind: 'waitingForFirstBarrier', latest });
}

describe('checkpoint/unalignedBarriers', () => {
  it('starts waiting for the first barrier, having seen no checkpoint', () => {
    expectWaiting(initialUnaligned, 0);
  });

  it('snapshots on the first barrier, records the channels that still owe it, and acknowledges on the last', () => {
    const end = play({ channels: 3 }, [
      /* 0 */ [barrier(1, 1), [snapshot(1)]],
      /* 1 */ [barrier(1, 0), []],
      /* 2 */ [barrier(1, 2), [acknowledge(1)]],
    ]);
    expectWaiting(end, 1);
  });

  it('records in-flight input only on the channels whose barrier has not arrived', () => {
    const state = play({ channels: 3 }, [
      /* 0 */ [barrier(4, 2), [snapshot(4)]],
      /* 1 */ [barrier(4, 0), []],
    ]);
    expect([0, 1, 2].map((c) => isRecording(state, c))).to.deep.equal([false, true, false]);
    expect(isRecording(initialUnaligned, 0)).to.equal(false);
  });

  it('snapshots and acknowledges at once on a single-channel task', () => {
    const end = play({ channels: 1 }, [
      /* 0 */ [barrier(1, 0), [snapshot(1), acknowledge(1)]],
      /* 1 */ [barrier(2, 0), [snapshot(2), acknowledge(2)]],
    ]);
    expectWaiting(end, 2);
  });

  it('ignores a second barrier of the same checkpoint on the same channel', () => {
    play({ channels: 2 }, [
      /* 0 */ [barrier(1, 0), [snapshot(1)]],
      /* 1 */ [barrier(1, 0), []],
      /* 2 */ [barrier(1, 1), [acknowledge(1)]],
    ]);
  });

  it('ignores a stale barrier of a checkpoint already acknowledged, or older', () => {
    const end = play({ channels: 2 }, [
      /* 0 */ [barrier(3, 0), [snapshot(3)]],
      /* 1 */ [barrier(3, 1), [acknowledge(3)]],
      /* 2 */ [barrier(3, 0), []],
      /* 3 */ [barrier(2, 1), []],
    ]);
    expectWaiting(end, 3);
  });

  describe('when a barrier of a newer checkpoint arrives before the pending one is complete', () => {
    it('declines the pending checkpoint as subsumed and snapshots the new one', () => {
      const end = play({ channels: 2 }, [
        /* 0 */ [barrier(1, 0), [snapshot(1)]],
        /* 1 */ [barrier(2, 0), [subsumed(1), snapshot(2)]],
        /* 2 */ [barrier(1, 1), []],
        /* 3 */ [barrier(2, 1), [acknowledge(2)]],
      ]);
      expectWaiting(end, 2);
    });
  });

  describe('when a checkpoint is cancelled', () => {
    it('discards the pending checkpoint and forwards the cancellation; its later barriers are stale', () => {
      const end = play({ channels: 2 }, [
        /* 0 */ [barrier(1, 0), [snapshot(1)]],
        /* 1 */ [cancel(1), [discard(1), forwardCancel(1)]],
        /* 2 */ [barrier(1, 1), []],
      ]);
      expectWaiting(end, 1);
    });

    it('remembers a cancellation that arrives before any barrier of it, so its barriers are ignored', () => {
      const end = play({ channels: 2 }, [
        /* 0 */ [cancel(5), [forwardCancel(5)]],
        /* 1 */ [barrier(5, 0), []],
        /* 2 */ [barrier(6, 0), [snapshot(6)]],
      ]);
      expect(end).to.deep.equal({ kind: 'collectingChannelState', latest: 6, id: 6, remaining: new Set([1]) });
    });

    it('goes on with the pending checkpoint when another one is cancelled, and forwards that cancellation', () => {
      const end = play({ channels: 2 }, [
        /* 0 */ [barrier(1, 0), [snapshot(1)]],
        /* 1 */ [cancel(2), [forwardCancel(2)]],
        /* 2 */ [barrier(1, 1), [acknowledge(1)]],
        /* 3 */ [barrier(2, 0), []],
      ]);
      expectWaiting(end, 2);
    });
  });

  describe('when a channel ends', () => {
    it('completes a checkpoint that only the ended channel still owed', () => {
      const end = play({ channels: 3 }, [
        /* 0 */ [barrier(1, 0), [snapshot(1)]],
        /* 1 */ [barrier(1, 1), []],
        /* 2 */ [ended(2), [acknowledge(1)]],
      ]);
      expectWaiting(end, 1);
    });

    it('owes nothing for a channel whose end arrived before the first barrier', () => {
      play({ channels: 2 }, [
        /* 0 */ [ended(1), []],
        /* 1 */ [barrier(1, 0), [snapshot(1), acknowledge(1)]],
      ]);
    });

    it('does nothing for a channel that already delivered its barrier, nor while no checkpoint is pending', () => {
      play({ channels: 3 }, [
        /* 0 */ [ended(2), []],
        /* 1 */ [barrier(1, 0), [snapshot(1)]],
        /* 2 */ [ended(0), []],
        /* 3 */ [barrier(1, 1), [acknowledge(1)]],
      ]);
    });
  });

  it('starts no checkpoint once the task drained its input', () => {
    const end = play({ channels: 2, running: false }, [[barrier(1, 0), []]]);
    expectWaiting(end, 0);
  });

  it('over any arrival order of barriers and ends: each checkpoint is snapshotted once, then acknowledged or subsumed once; the last one is acknowledged', () => {
    const scenario = fc
      .record({ channels: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 5 }) })
      .chain(({ channels, k }) =>
        fc.record({
          channels: fc.constant(channels),
          k: fc.constant(k),
          ends: fc.array(fc.boolean(), { minLength: channels, maxLength: channels }),
          picks: fc.array(fc.nat(), { minLength: channels * (k + 1), maxLength: channels * (k + 1) }),
        }),
      );
    fc.assert(
      fc.property(scenario, ({ channels, k, ends, picks }) => {
        // Each channel delivers barriers 1..k in order; a channel that ends does so after its last barrier.
        const queues: UnalignedEvent[][] = Array.from({ length: channels }, (_, c) => [...Array.from({ length: k }, (_, i) => barrier(i + 1, c)), ...(ends[c] ? [ended(c)] : [])]);
        const endArrived = new Set<number>();
        let state = initialUnaligned;
        const snapshots: number[] = [];
        const finished: number[] = [];
        for (const pick of picks) {
          const open = queues.filter((q) => q.length > 0);
          if (open.length === 0) break;
          const event = open[pick % open.length].shift()!;
          if (event.type === 'channelEnded') endArrived.add(event.channel);
          const next = unalignedTransition(state, event, { channels, endArrived, running: true });
          state = next.state;
          for (const effect of next.effects) {
            if (effect.type === 'snapshot') snapshots.push(effect.id);
            if (effect.type === 'acknowledge' || effect.type === 'subsumed') finished.push(effect.id);
            expect(['snapshot', 'acknowledge', 'subsumed']).to.include(effect.type);
          }
        }
        expect(snapshots).to.deep.equal([...snapshots].sort((a, b) => a - b));
        expect(new Set(snapshots).size).to.equal(snapshots.length);
        expect([...finished].sort((a, b) => a - b)).to.deep.equal(snapshots);
        expect(snapshots[snapshots.length - 1]).to.equal(k);
        expectWaiting(state, k);
      }),
    );
  });
});
