import { expect } from 'chai';
import fc from 'fast-check';
import { ValveEvent, ValveOutput, ValveState, initialValve, valveTransition } from '../../src/runtime/watermarkValve';

// --- a scripted timeline: each event with what the task sends on after it ----------------------

const wm = (channel: number, watermark: number): ValveEvent => ({ type: 'watermark', channel, watermark });
const idle = (channel: number): ValveEvent => ({ type: 'idle', channel });
const ended = (channel: number): ValveEvent => ({ type: 'channelEnded', channel });
const inputEnded: ValveEvent = { type: 'inputEnded' };

const emits = (watermark: number): ValveOutput => ({ type: 'watermark', watermark });
const emitsIdle: ValveOutput = { type: 'idle' };
const nothing: ValveOutput = undefined;

type Step = readonly [event: ValveEvent, output: ValveOutput];

const show = (e: ValveEvent) => (e.type === 'watermark' ? `wm(ch ${e.channel}, ${e.watermark})` : e.type === 'inputEnded' ? 'inputEnded' : `${e.type}(ch ${e.channel})`);

function play(channels: number, steps: readonly Step[]): ValveState {
  let state = initialValve(channels);
  steps.forEach(([event, expected], i) => {
    const next = valveTransition(state, event);
    expect(next.output, `step ${i}: ${show(event)}`).to.deep.equal(expected);
    state = next.state;
  });
  return state;
}

describe('runtime/watermarkValve', () => {
  it('starts with no event time and every channel active', () => {
    expect(initialValve(2)).to.deep.equal({
      channels: [
        { watermark: -Infinity, idle: false, ended: false },
        { watermark: -Infinity, idle: false, ended: false },
      ],
      watermark: -Infinity,
    });
  });

  it('sends on the minimum over the channels, once every channel delivered one', () => {
    const end = play(3, [
      /* 0 */ [wm(0, 10), nothing],
      /* 1 */ [wm(2, 5), nothing],
      /* 2 */ [wm(1, 7), emits(5)],
      /* 3 */ [wm(2, 20), emits(7)],
      /* 4 */ [wm(1, 30), emits(10)],
    ]);
    expect(end.watermark).to.equal(10);
  });

  it('passes a single channel through, never backwards', () => {
    play(1, [
      /* 0 */ [wm(0, 3), emits(3)],
      /* 1 */ [wm(0, 3), nothing],
      /* 2 */ [wm(0, 1), nothing],
      /* 3 */ [wm(0, 4), emits(4)],
    ]);
  });

  it("keeps a channel's own watermark when a smaller one arrives on it", () => {
    const end = play(2, [
      /* 0 */ [wm(0, 10), nothing],
      /* 1 */ [wm(0, 2), nothing],
      /* 2 */ [wm(1, 50), emits(10)],
    ]);
    expect(end.channels[0].watermark).to.equal(10);
  });

  describe('idleness', () => {
    it('leaves an idle channel out of the minimum, and holds time back for it again once it sends', () => {
      play(2, [
        /* 0 */ [wm(0, 10), nothing],
        /* 1 */ [idle(1), emits(10)],
        /* 2 */ [wm(0, 20), emits(20)],
        /* 3 */ [wm(1, 15), nothing],
        /* 4 */ [wm(1, 30), nothing],
        /* 5 */ [wm(0, 40), emits(30)],
      ]);
    });

    it('never goes back when an idle channel returns behind the task', () => {
      const end = play(2, [
        /* 0 */ [idle(1), nothing],
        /* 1 */ [wm(0, 100), emits(100)],
        /* 2 */ [wm(1, 40), nothing],
        /* 3 */ [wm(1, 120), nothing],
        /* 4 */ [wm(0, 130), emits(120)],
      ]);
      expect(end.watermark).to.equal(120);
    });

    it('declares the task idle when every channel is, each time one more says so', () => {
      play(2, [
        /* 0 */ [wm(0, 5), nothing],
        /* 1 */ [idle(0), nothing],
        /* 2 */ [idle(1), emitsIdle],
        /* 3 */ [idle(1), emitsIdle],
        /* 4 */ [wm(1, 9), emits(9)],
      ]);
    });
  });

  describe('end of input', () => {
    it('counts an ended channel with its last watermark, even when it was idle', () => {
      play(2, [
        /* 0 */ [wm(0, 8), nothing],
        /* 1 */ [idle(0), nothing],
        /* 2 */ [idle(1), emitsIdle],
        /* 3 */ [ended(0), emits(8)],
      ]);
    });

    it('moves to the end of time once every channel sent it and ended', () => {
      const end = play(2, [
        /* 0 */ [wm(0, Infinity), nothing],
        /* 1 */ [ended(0), nothing],
        /* 2 */ [wm(1, Infinity), emits(Infinity)],
        /* 3 */ [ended(1), nothing],
        /* 4 */ [inputEnded, nothing],
      ]);
      expect(end.watermark).to.equal(Infinity);
    });

    it("ends event time when the task's input ends, also for a task without input channels (a source)", () => {
      play(0, [[inputEnded, emits(Infinity)]]);
      play(1, [
        [wm(0, 3), emits(3)],
        [inputEnded, emits(Infinity)],
        [inputEnded, nothing],
      ]);
    });
  });

  it('refuses an event on a channel the task does not have', () => {
    expect(() => valveTransition(initialValve(2), wm(2, 1))).to.throw('watermark valve: no input channel 2 (the task has 2)');
  });

  it('over any events: the output is the minimum over the channels that are not idle or have ended, and never goes back', () => {
    const event = (channels: number) =>
      fc.oneof(
        fc.record({ type: fc.constant('watermark' as const), channel: fc.nat(channels - 1), watermark: fc.integer({ min: 0, max: 50 }) }),
        fc.record({ type: fc.constant('idle' as const), channel: fc.nat(channels - 1) }),
        fc.record({ type: fc.constant('channelEnded' as const), channel: fc.nat(channels - 1) }),
      );
    const scenario = fc.integer({ min: 1, max: 4 }).chain((channels) => fc.record({ channels: fc.constant(channels), events: fc.array(event(channels), { maxLength: 40 }) }));
    fc.assert(
      fc.property(scenario, ({ channels, events }) => {
        let state = initialValve(channels);
        let sent = -Infinity;
        // The model: per channel its highest watermark and whether it is idle.
        const highest: number[] = Array(channels).fill(-Infinity);
        const idleNow: boolean[] = Array(channels).fill(false);
        const endedNow: boolean[] = Array(channels).fill(false);
        for (const e of events) {
          if (e.type === 'watermark') {
            highest[e.channel] = Math.max(highest[e.channel], e.watermark);
            idleNow[e.channel] = false;
          } else if (e.type === 'idle') idleNow[e.channel] = true;
          else endedNow[e.channel] = true;
          const { state: next, output } = valveTransition(state, e);
          state = next;
          const active = highest.filter((_, c) => !idleNow[c] || endedNow[c]);
          if (active.length === 0) {
            expect(output).to.deep.equal(emitsIdle);
            continue;
          }
          const min = Math.min(...active);
          if (min > sent) {
            expect(output).to.deep.equal(emits(min));
            sent = min;
          } else expect(output).to.equal(undefined);
          expect(state.watermark).to.equal(sent);
        }
      }),
    );
  });
});
