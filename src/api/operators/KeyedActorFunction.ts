/**
 * Runs a KeyedActor as a KeyedProcessFunction: records and scheduled messages both go to
 * `receive`. Scheduled messages are kept in keyed map state by their due time, beside the
 * timer that delivers them, so a restore brings back both.
 */
import { instanceCopy } from '../functions';
import { Collector } from '../../graph/Collector';
import { OutputTag } from '../../graph/OutputTag';
import { KeyedActor, KeyedActorContext } from '../KeyedActor';
import { KeyedProcessContext, KeyedProcessFunction, OnTimerContext } from '../ProcessFunction';
import { RichFunction, RuntimeContext } from '../RuntimeContext';
import { MapState } from '../../state/State';
import { MapStateDescriptor } from '../../state/StateDescriptor';
import { Serializers } from '../../state/Serializer';
import { Key } from '../../state/keyHash';

/** Map-state key of a scheduled delivery: domain and due time. */
const slot = (domain: 'event' | 'processing', time: number) => `${domain}:${time}`;

export class KeyedActorFunction<K extends Key, M, O> extends KeyedProcessFunction<K, M, O> {
  override readonly sideOutputTags: readonly OutputTag<any>[];
  private actor: KeyedActor<K, M, O> & RichFunction;
  private scheduled!: MapState<string, M[]>;
  private ctx!: KeyedProcessContext<K>;
  private out!: Collector<O>;
  private actorContext!: KeyedActorContext<K, M, O>;

  constructor(actor: KeyedActor<K, M, O>) {
    super();
    this.actor = actor;
    this.sideOutputTags = actor.sideOutputTags;
  }

  open(context: RuntimeContext): void | Promise<void> {
    // This function is copied per parallel instance; the actor must be too (fields set in open
    // are per instance), and the context must close over the copy, not the original.
    this.actor = instanceCopy(this.actor);
    this.actorContext = {
      key: () => this.ctx.getCurrentKey(),
      emit: (output) => this.out.collect(output),
      output: (tag, value) => this.ctx.output(tag, value),
      scheduleOnce: (delayMs, message) => this.schedule('processing', this.ctx.timerService().currentProcessingTime() + delayMs, message),
      scheduleAtEventTime: (time, message) => this.schedule('event', time, message),
      timestamp: () => this.ctx.timestamp(),
      currentProcessingTime: () => this.ctx.timerService().currentProcessingTime(),
      currentWatermark: () => this.ctx.timerService().currentWatermark(),
    };
    this.scheduled = context.getMapState(new MapStateDescriptor<string, M[]>('sluice.actor.scheduled', Serializers.string, Serializers.json<M[]>()));
    return this.actor.open?.(context);
  }

  close(): void | Promise<void> {
    return this.actor.close?.();
  }

  processElement(message: M, ctx: KeyedProcessContext<K>, out: Collector<O>): void {
    this.ctx = ctx;
    this.out = out;
    this.actor.receive(message, this.actorContext);
  }

  onTimer(time: number, ctx: OnTimerContext<K>, out: Collector<O>): void {
    const at = slot(ctx.timeDomain(), time);
    const messages = this.scheduled.get(at);
    if (messages === undefined) return;
    this.scheduled.remove(at);
    this.ctx = ctx;
    this.out = out;
    for (const message of messages) this.actor.receive(message, this.actorContext);
  }

  private schedule(domain: 'event' | 'processing', time: number, message: M): void {
    const at = slot(domain, time);
    const messages = this.scheduled.get(at);
    this.scheduled.put(at, messages === undefined ? [message] : [...messages, message]);
    if (domain === 'event') this.ctx.timerService().registerEventTimeTimer(time);
    else this.ctx.timerService().registerProcessingTimeTimer(time);
  }
}
