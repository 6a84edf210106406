/** The middle value of a benchmark's runs or rounds; of an even count the upper one, as every bench driver of `make bench` takes it. */
export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
