/**
 * Takes one checkpoint measurement in this process and prints it as one JSON line:
 * `node build/samples/bench/runFigure.js <slow-sink-aligned|slow-sink-unaligned|recovery>`.
 * The driver (main.ts) starts one process per measurement, so none inherits another's heap.
 */
import { recoveryAfterCrash, slowSinkCheckpoints } from './figures';

export type FigureId = 'slow-sink-aligned' | 'slow-sink-unaligned' | 'recovery';

const figures: Record<FigureId, () => Promise<object>> = {
  'slow-sink-aligned': () => slowSinkCheckpoints(false),
  'slow-sink-unaligned': () => slowSinkCheckpoints(true),
  recovery: recoveryAfterCrash,
};

async function main(): Promise<void> {
  const id = process.argv[2];
  if (!(id in figures)) throw new Error(`unknown figure '${id}'; known: ${Object.keys(figures).join(', ')}`);
  const result = await figures[id as FigureId]();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
