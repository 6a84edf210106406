package sluice.twins;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/** The twin of CountPerKey in samples/bench/cases.ts: counts trades per key in ValueState and emits the key's new count. */
public final class CountPerKey extends KeyedProcessFunction<Integer, Workloads.Trade, Double> {
  private static final long serialVersionUID = 1L;
  private transient ValueState<Integer> count;

  @Override
  public void open(OpenContext context) {
    count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Integer.class));
  }

  @Override
  public void processElement(Workloads.Trade trade, Context context, Collector<Double> out) throws Exception {
    Integer previous = count.value();
    int n = (previous == null ? 0 : previous) + 1;
    count.update(n);
    out.collect((double) n);
  }
}
