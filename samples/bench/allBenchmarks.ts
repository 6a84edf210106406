/** Every benchmark of `make bench`, in the order the driver runs and prints them. */
import { benchmarks as inMemory } from './cases';
import { rxjsBenchmarks } from './rxjsCases';
import { asyncBenchmarks } from './asyncCases';
import { cepBenchmarks } from './cepCases';
import { redisBenchmarks } from './redisCases';
import { actorBenchmarks } from './actorCases';
import { kafkaBenchmarks } from './kafkaCases';
import { taskManagerBenchmarks } from './taskManagerCases';

export const allBenchmarks = [...inMemory, ...taskManagerBenchmarks, ...rxjsBenchmarks, ...asyncBenchmarks, ...cepBenchmarks, ...redisBenchmarks, ...actorBenchmarks, ...kafkaBenchmarks];
