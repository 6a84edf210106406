import { expect } from 'chai';
import fc from 'fast-check';
import {
  AlignmentEffect,
  AlignmentEvent,
  AlignmentState,
  alignmentTransition,
  initialAlignment,
} from '../../src/checkpoint/barrierAlignment';
import { CheckpointId } from '../../src/checkpoint/CheckpointTypes';

// --- a scripted timeline, as in Flink's AlignedCheckpointsTest --------------------------------

const cid = (n: number) => n as CheckpointId;
const barrier = (id: number, channel: number): AlignmentEvent => ({ type: 'barrier', channel, id: cid(id) });
const ended = (channel: number): AlignmentEvent => ({ type: 'channelEnded', channel });
const abort = (id: number): AlignmentEvent => ({ type: 'abort', id: cid(id) });

const block = (channel: number): AlignmentEffect => ({ type: 'block', channel });
const unblockAll: AlignmentEffect = { type: 'unblockAll' };
const snapshot = (id: number): AlignmentEffect => ({ type: 'snapshot', id: cid(id) });
const subsumed = (id: number): AlignmentEffect => ({ type: 'subsumed', id: cid(id) });

type Step = readonly [event: AlignmentEvent, effects: readonly AlignmentEffect[]];

const show = (e: AlignmentEvent) =>
  e.type === 'barrier' ? `barrier(${e.id}, ch ${e.channel})` : e.type === 'channelEnded' ? `ended(ch ${e.channel})` : `abort(${e.id})`;

/**
 * Feeds the events in order, as a task does (a channel that ends joins `ended` before its
 * event is applied), checks the effects of each step and returns the final state.
 */
function play(setup: { channels: number; aligned: boolean; from?: AlignmentState }, steps: readonly Step[]): AlignmentState {
  const endedChannels = new Set<number>();
  let state = setup.from ?? initialAlignment;
  steps.forEach(([event, expected], i) => {
    if (event.type === 'channelEnded') endedChannels.add(event.channel);
    const next = alignmentTransition(state, event, { channels: setup.channels, ended: endedChannels, aligned: setup.aligned });
    expect(next.effects, `step ${i}: ${show(event)}`).to.deep.equal(expected);
    state = next.state;
  });
  return state;
}

/** Nothing left over: no alignment in progress, the last checkpoint seen is `latest`. */
function expectIdle(state: AlignmentState, latest: number): void {
  expect(state).to.deep.equal({ kind: 'waitingForFirstBarrier', latest });
}

describe('checkpoint/barrierAlignment', () => {
  it('starts waiting for the first barrier, having seen no checkpoint', () => {
    expectIdle(initialAlignment, 0);
  });

  describe('aligned (exactly-once)', () => {
    const aligned = { aligned: true };

    it('blocks each channel that delivered the barrier, snapshots once all three did, then unblocks all', () => {
      const end = play({ channels: 3, ...aligned }, [
        /* 0 */ [barrier(1, 0), [block(0)]],
        /* 1 */ [barrier(1, 2), [block(2)]],
        /* 2 */ [barrier(1, 1), [snapshot(1), unblockAll]],
      ]);
      expectIdle(end, 1);
    });

    it('aligns consecutive checkpoints one after the other', () => {
      const end = play({ channels: 2, ...aligned }, [
        /* 0 */ [barrier(1, 1), [block(1)]],
        /* 1 */ [barrier(1, 0), [snapshot(1), unblockAll]],
        /* 2 */ [barrier(2, 0), [block(0)]],
        /* 3 */ [barrier(2, 1), [snapshot(2), unblockAll]],
      ]);
      expectIdle(end, 2);
    });

    it('collects the barriers of the checkpoint in progress in its state', () => {
      const end = play({ channels: 3, ...aligned }, [
        /* 0 */ [barrier(4, 2), [block(2)]],
        /* 1 */ [barrier(4, 0), [block(0)]],
      ]);
      expect(end).to.deep.equal({ kind: 'collectingBarriers', latest: 4, id: 4, received: new Set([2, 0]) });
    });

    it('ignores a second barrier of the same checkpoint on the same channel', () => {
      const end = play({ channels: 2, ...aligned }, [
        /* 0 */ [barrier(1, 0), [block(0)]],
        /* 1 */ [barrier(1, 0), []],
        /* 2 */ [barrier(1, 1), [snapshot(1), unblockAll]],
      ]);
      expectIdle(end, 1);
    });

    it('ignores a stale barrier of a checkpoint already snapshotted, also once idle', () => {
      const end = play({ channels: 2, ...aligned }, [
        /* 0 */ [barrier(3, 0), [block(0)]],
        /* 1 */ [barrier(3, 1), [snapshot(3), unblockAll]],
        /* 2 */ [barrier(3, 0), []],
        /* 3 */ [barrier(2, 1), []],
        /* 4 */ [barrier(1, 0), []],
      ]);
      expectIdle(end, 3);
    });

    it('ignores a barrier older than the checkpoint being aligned, keeping the channel blocked', () => {
      const end = play({ channels: 2, ...aligned }, [
        /* 0 */ [barrier(5, 0), [block(0)]],
        /* 1 */ [barrier(4, 1), []],
        /* 2 */ [barrier(5, 1), [snapshot(5), unblockAll]],
      ]);
      expectIdle(end, 5);
    });

    describe('when a barrier of a newer checkpoint arrives mid-alignment', () => {
      it('aborts the pending checkpoint as subsumed, unblocks, and starts collecting the new one', () => {
        const end = play({ channels: 3, ...aligned }, [
          /* 0 */ [barrier(1, 0), [block(0)]],
          /* 1 */ [barrier(1, 1), [block(1)]],
          /* 2 */ [barrier(2, 2), [subsumed(1), unblockAll, block(2)]],
          /* 3 */ [barrier(1, 0), []], // late barrier of the subsumed checkpoint
          /* 4 */ [barrier(2, 0), [block(0)]],
          /* 5 */ [barrier(2, 1), [snapshot(2), unblockAll]],
        ]);
        expectIdle(end, 2);
      });

      it('completes the newer checkpoint when the channels that still owed it end', () => {
        const end = play({ channels: 2, ...aligned }, [
          /* 0 */ [barrier(1, 0), [block(0)]],
          /* 1 */ [barrier(2, 0), [subsumed(1), unblockAll, block(0)]],
          /* 2 */ [ended(1), [snapshot(2), unblockAll]],
        ]);
        expectIdle(end, 2);
      });
    });

    describe('when the checkpoint is aborted', () => {
      it('releases the blocked channels on abort of the pending checkpoint, and ignores its later barriers', () => {
        const end = play({ channels: 3, ...aligned }, [
          /* 0 */ [barrier(1, 0), [block(0)]],
          /* 1 */ [barrier(1, 1), [block(1)]],
          /* 2 */ [abort(1), [unblockAll]],
          /* 3 */ [barrier(1, 2), []],
          /* 4 */ [barrier(2, 2), [block(2)]],
        ]);
        expect(end).to.deep.equal({ kind: 'collectingBarriers', latest: 2, id: 2, received: new Set([2]) });
      });

      it('ignores the abort of an older checkpoint and goes on aligning', () => {
        const end = play({ channels: 2, ...aligned }, [
          /* 0 */ [barrier(3, 0), [block(0)]],
          /* 1 */ [abort(2), []],
          /* 2 */ [barrier(3, 1), [snapshot(3), unblockAll]],
        ]);
        expectIdle(end, 3);
      });

      it('remembers an abort that arrives before any barrier of it, so its barriers are ignored', () => {
        const end = play({ channels: 2, ...aligned }, [
          /* 0 */ [abort(1), []],
          /* 1 */ [barrier(1, 0), []],
          /* 2 */ [barrier(1, 1), []],
        ]);
        expectIdle(end, 1);
      });
    });

    describe('when a channel ends', () => {
      it('completes an alignment that only the ended channel still owed', () => {
        const end = play({ channels: 3, ...aligned }, [
          /* 0 */ [barrier(1, 0), [block(0)]],
          /* 1 */ [barrier(1, 2), [block(2)]],
          /* 2 */ [ended(1), [snapshot(1), unblockAll]],
        ]);
        expectIdle(end, 1);
      });

      it('does not complete an alignment other channels still owe', () => {
        const end = play({ channels: 3, ...aligned }, [
          /* 0 */ [barrier(1, 0), [block(0)]],
          /* 1 */ [ended(1), []],
          /* 2 */ [barrier(1, 2), [snapshot(1), unblockAll]],
        ]);
        expectIdle(end, 1);
      });

      it('counts an ended channel as having delivered every later barrier', () => {
        const end = play({ channels: 3, ...aligned }, [
          /* 0 */ [ended(2), []],
          /* 1 */ [barrier(1, 0), [block(0)]],
          /* 2 */ [barrier(1, 1), [snapshot(1), unblockAll]],
          /* 3 */ [barrier(2, 1), [block(1)]],
          /* 4 */ [barrier(2, 0), [snapshot(2), unblockAll]],
        ]);
        expectIdle(end, 2);
      });

      it('snapshots at once, without blocking, when every other channel ended', () => {
        const end = play({ channels: 2, ...aligned }, [
          /* 0 */ [ended(1), []],
          /* 1 */ [barrier(1, 0), [snapshot(1)]],
          /* 2 */ [barrier(2, 0), [snapshot(2)]],
        ]);
        expectIdle(end, 2);
      });

      it('does nothing while no alignment is in progress', () => {
        expectIdle(play({ channels: 2, ...aligned }, [[ended(0), []]]), 0);
      });
    });

    it('snapshots at once on a single-channel task, without blocking', () => {
      const end = play({ channels: 1, ...aligned }, [
        /* 0 */ [barrier(1, 0), [snapshot(1)]],
        /* 1 */ [barrier(1, 0), []],
        /* 2 */ [barrier(2, 0), [snapshot(2)]],
      ]);
      expectIdle(end, 2);
    });
  });

  describe('not aligned (at-least-once)', () => {
    const atLeastOnce = { aligned: false };

    it('never blocks: snapshots once every channel delivered the barrier, with nothing to unblock', () => {
      const end = play({ channels: 3, ...atLeastOnce }, [
        /* 0 */ [barrier(1, 0), []],
        /* 1 */ [barrier(1, 2), []],
        /* 2 */ [barrier(1, 0), []],
        /* 3 */ [barrier(1, 1), [snapshot(1)]],
      ]);
      expectIdle(end, 1);
    });

    it('reports the pending checkpoint as subsumed when a newer barrier overtakes it, with nothing to unblock', () => {
      const end = play({ channels: 2, ...atLeastOnce }, [
        /* 0 */ [barrier(1, 0), []],
        /* 1 */ [barrier(2, 0), [subsumed(1)]],
        /* 2 */ [barrier(1, 1), []],
        /* 3 */ [barrier(2, 1), [snapshot(2)]],
      ]);
      expectIdle(end, 2);
    });

    it('drops the pending checkpoint on its abort, with nothing to unblock', () => {
      const end = play({ channels: 2, ...atLeastOnce }, [
        /* 0 */ [barrier(1, 1), []],
        /* 1 */ [abort(1), []],
        /* 2 */ [barrier(1, 0), []],
      ]);
      expectIdle(end, 1);
    });

    it('completes an alignment when the last channel that owed the barrier ends', () => {
      const end = play({ channels: 2, ...atLeastOnce }, [
        /* 0 */ [barrier(1, 0), []],
        /* 1 */ [ended(1), [snapshot(1)]],
      ]);
      expectIdle(end, 1);
    });
  });

  describe('over any interleaving of the channels', () => {
    /**
     * Each channel delivers barriers 1..delivered in order, then possibly ends; a channel
     * that stops early always ends (otherwise it would owe the barrier for ever).
     */
    const scenario = fc
      .record({ channels: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 6 }) })
      .chain(({ channels, k }) =>
        fc.record({
          channels: fc.constant(channels),
          perChannel: fc.array(
            fc.record({ delivered: fc.oneof(fc.constant(k), fc.integer({ min: 0, max: k })), endsAnyway: fc.boolean() }),
            { minLength: channels, maxLength: channels },
          ),
          picks: fc.array(fc.nat(), { minLength: channels * (k + 1), maxLength: channels * (k + 1) }),
        }),
      )
      .map(({ channels, perChannel, picks }) => {
        const k = Math.max(...perChannel.map((c) => c.delivered));
        const scripts = perChannel.map(({ delivered, endsAnyway }, channel) => {
          const events: AlignmentEvent[] = [];
          for (let id = 1; id <= delivered; id++) events.push(barrier(id, channel));
          if (delivered < k || endsAnyway) events.push(ended(channel));
          return events;
        });
        return { channels, scripts, picks, highest: k };
      });

    interface Outcome {
      readonly snapshots: number[];
      readonly subsumed: number[];
      readonly final: AlignmentState;
      readonly blockedAtEnd: ReadonlySet<number>;
    }

    /**
     * Runs the scripts, picking the next channel from `picks`. With `respectBlocking` a blocked
     * channel delivers nothing until unblocked, as in a task. Checks per-step invariants.
     */
    function simulate(
      s: { channels: number; scripts: AlignmentEvent[][]; picks: number[] },
      aligned: boolean,
      respectBlocking: boolean,
    ): Outcome {
      const next = s.scripts.map(() => 0);
      const endedChannels = new Set<number>();
      const blocked = new Set<number>();
      const snapshots: number[] = [];
      const subsumedIds: number[] = [];
      let state = initialAlignment;
      for (let step = 0; ; step++) {
        const remaining = [...s.scripts.keys()].filter((c) => next[c] < s.scripts[c].length);
        if (remaining.length === 0) break;
        const ready = respectBlocking ? remaining.filter((c) => !blocked.has(c)) : remaining;
        if (ready.length === 0) throw new Error(`deadlock at step ${step}: channels ${remaining} all blocked`);
        const channel = ready[s.picks[step % s.picks.length] % ready.length];
        const event = s.scripts[channel][next[channel]++];
        if (event.type === 'channelEnded') endedChannels.add(channel);
        const t = alignmentTransition(state, event, { channels: s.channels, ended: endedChannels, aligned });
        state = t.state;
        let snapshotted = false;
        for (const effect of t.effects) {
          if (effect.type === 'block') {
            if (!aligned) throw new Error(`at-least-once emitted block(${effect.channel})`);
            blocked.add(effect.channel);
          } else if (effect.type === 'unblockAll') blocked.clear();
          else if (effect.type === 'snapshot') {
            snapshots.push(effect.id);
            snapshotted = true;
          } else subsumedIds.push(effect.id);
        }
        if (snapshotted && blocked.size > 0) throw new Error(`channels ${[...blocked]} still blocked after snapshot ${snapshots.at(-1)}`);
      }
      return { snapshots, subsumed: subsumedIds, final: state, blockedAtEnd: blocked };
    }

    const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

    for (const aligned of [true, false]) {
      it(`${aligned ? 'aligned' : 'at-least-once'}: each checkpoint is snapshotted or subsumed exactly once, snapshots increase, the last one is snapshotted, nothing stays blocked`, () => {
        fc.assert(
          fc.property(scenario, (s) => {
            const { snapshots, subsumed: subsumedIds, final, blockedAtEnd } = simulate(s, aligned, false);
            expect(snapshots.every((id, i) => i === 0 || id > snapshots[i - 1]), `snapshots ${snapshots}`).to.equal(true);
            expect([...snapshots, ...subsumedIds].sort((a, b) => a - b)).to.deep.equal(range(s.highest));
            if (s.highest > 0) expect(snapshots.at(-1)).to.equal(s.highest);
            expectIdle(final, s.highest);
            expect([...blockedAtEnd]).to.deep.equal([]);
          }),
        );
      });
    }

    it('aligned, with blocked channels held back as a task does: never deadlocks, snapshots every checkpoint once and in order, subsumes none', () => {
      fc.assert(
        fc.property(scenario, (s) => {
          const { snapshots, subsumed: subsumedIds, final, blockedAtEnd } = simulate(s, true, true);
          expect(snapshots).to.deep.equal(range(s.highest));
          expect(subsumedIds).to.deep.equal([]);
          expectIdle(final, s.highest);
          expect([...blockedAtEnd]).to.deep.equal([]);
        }),
      );
    });
  });
});
