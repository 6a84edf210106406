/** What the windowed queries share: Nexmark's 10-second tumbling window. */
import { Time, TumblingEventTimeWindows } from '../../../src';

export const NEXMARK_WINDOW = Time.seconds(10);
export const NexmarkTumbling = () => TumblingEventTimeWindows.of(NEXMARK_WINDOW);
