/**
 * Query 3, local item suggestion: sellers in Oregon, Idaho or California with auctions in
 * category 10, as the join of persons and auctions on seller = person id. A keyed join:
 * persons and auctions meet by person id; an auction that comes before its seller waits in
 * state (the SQL join keeps both sides; a person id is unique, so once the person is known
 * an auction needs no keeping).
 */
import {
  Collector,
  DataStream,
  KeyedCoProcessFunction,
  KeyedProcessContext,
  ListState,
  ListStateDescriptor,
  RuntimeContext,
  Serializers,
  ValueState,
  ValueStateDescriptor,
} from '../../../src';
import { Auction, NexmarkEvent, Person } from '../model';

export interface Q3Result {
  readonly name: string;
  readonly city: string;
  readonly state: string;
  readonly id: number;
}

export const Q3_STATES = ['OR', 'ID', 'CA'];
export const Q3_CATEGORY = 10;

export const isQ3Person = (e: NexmarkEvent): e is Person => e.kind === 'person' && Q3_STATES.includes(e.state);
export const isQ3Auction = (e: NexmarkEvent): e is Auction => e.kind === 'auction' && e.category === Q3_CATEGORY;

type Seller = Pick<Person, 'name' | 'city' | 'state'>;

export class LocalItemSuggestion extends KeyedCoProcessFunction<number, Person, Auction, Q3Result> {
  private seller!: ValueState<Seller>;
  private waiting!: ListState<number>;
  open(ctx: RuntimeContext): void {
    this.seller = ctx.getState(new ValueStateDescriptor('seller', Serializers.json<Seller>()));
    this.waiting = ctx.getListState(new ListStateDescriptor('waiting auction ids', Serializers.number));
  }
  processElement1(p: Person, _ctx: KeyedProcessContext<number>, out: Collector<Q3Result>): void {
    const seller = { name: p.name, city: p.city, state: p.state };
    this.seller.update(seller);
    for (const id of this.waiting.get()) out.collect({ ...seller, id });
    this.waiting.clear();
  }
  processElement2(a: Auction, _ctx: KeyedProcessContext<number>, out: Collector<Q3Result>): void {
    const seller = this.seller.value();
    if (seller === undefined) this.waiting.add(a.id);
    else out.collect({ name: seller.name, city: seller.city, state: seller.state, id: a.id });
  }
}

export function q3(events: DataStream<NexmarkEvent>): DataStream<Q3Result> {
  return events
    .filter(isQ3Person)
    .connect(events.filter(isQ3Auction))
    .keyBy((p) => p.id, (a) => a.seller)
    .process(new LocalItemSuggestion());
}
