/**
 * The watermark valve of a task as a pure transition, (state, event) => { state, output }, in
 * the manner of Flink's StatusWatermarkValve: each input channel has its watermark and whether
 * it is idle; the task's watermark is the minimum over the channels that are not idle, and it
 * never goes back (docs/internals.md, invariant 6). An ended channel counts with its last
 * watermark, even when it was idle: every task sends the end of time before its end of input.
 */
import { absurd } from 'fp-ts/function';

export interface ChannelTime {
  /** The latest watermark the channel delivered (-Infinity: none yet). */
  readonly watermark: number;
  /** The producer declared itself idle and has sent no watermark since. */
  readonly idle: boolean;
  readonly ended: boolean;
}

export interface ValveState {
  readonly channels: readonly ChannelTime[];
  /** The task's event time: what it last emitted (-Infinity: nothing yet). */
  readonly watermark: number;
}

export type ValveEvent =
  | { readonly type: 'watermark'; readonly channel: number; readonly watermark: number }
  | { readonly type: 'idle'; readonly channel: number }
  | { readonly type: 'channelEnded'; readonly channel: number }
  /** The task's whole input ended (a source's too): event time is over, every window and timer fires. */
  | { readonly type: 'inputEnded' };

/** What the task sends on after an event: a new watermark, idleness, or nothing. */
export type ValveOutput = { readonly type: 'watermark'; readonly watermark: number } | { readonly type: 'idle' } | undefined;

export interface ValveTransition {
  readonly state: ValveState;
  readonly output: ValveOutput;
}

export function initialValve(channels: number): ValveState {
  return { channels: Array.from({ length: channels }, () => ({ watermark: -Infinity, idle: false, ended: false })), watermark: -Infinity };
}

function withChannel(state: ValveState, channel: number, change: (time: ChannelTime) => ChannelTime): readonly ChannelTime[] {
  const time = state.channels[channel];
  if (time === undefined) throw new Error(`watermark valve: no input channel ${channel} (the task has ${state.channels.length})`);
  return state.channels.map((t, c) => (c === channel ? change(t) : t));
}

/** Moves the task's watermark forward to `watermark`, or not at all. */
function advance(channels: readonly ChannelTime[], current: number, watermark: number): ValveTransition {
  if (watermark <= current) return { state: { channels, watermark: current }, output: undefined };
  return { state: { channels, watermark }, output: { type: 'watermark', watermark } };
}

/** The minimum over the active channels; with none active (every one idle) the task is idle too. */
function settle(channels: readonly ChannelTime[], current: number): ValveTransition {
  let min = Infinity;
  let active = 0;
  for (const time of channels) {
    if (time.idle && !time.ended) continue;
    active++;
    if (time.watermark < min) min = time.watermark;
  }
  if (active === 0) return { state: { channels, watermark: current }, output: channels.length > 0 ? { type: 'idle' } : undefined };
  return advance(channels, current, min);
}

export function valveTransition(state: ValveState, event: ValveEvent): ValveTransition {
  switch (event.type) {
    case 'watermark':
      // A channel's watermark never goes back either: a smaller one changes nothing but its idleness.
      return settle(withChannel(state, event.channel, (t) => ({ ...t, watermark: Math.max(t.watermark, event.watermark), idle: false })), state.watermark);
    case 'idle':
      return settle(withChannel(state, event.channel, (t) => ({ ...t, idle: true })), state.watermark);
    case 'channelEnded':
      return settle(withChannel(state, event.channel, (t) => ({ ...t, ended: true })), state.watermark);
    case 'inputEnded':
      return advance(state.channels, state.watermark, Infinity);
    default:
      return absurd(event);
  }
}
