/** How a Flink twin is started: the classes build.sh compiled, Flink's jars, and the JVM flags Flink needs on Java 17. */
import { existsSync } from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
export const FLINK_CACHE = path.join(ROOT, '.cache', 'flink');
const CLASSPATH = `${path.join(FLINK_CACHE, 'classes')}:${path.join(FLINK_CACHE, 'libs', '*')}`;
/** Flink on Java 17 reflects into these packages (as Flink's own launch scripts open them). */
const JAVA_OPENS = ['java.base/java.lang', 'java.base/java.util', 'java.base/java.lang.reflect', 'java.base/java.nio', 'java.base/sun.nio.ch'].map((p) => `--add-opens=${p}=ALL-UNNAMED`);

/** The command that runs twin class `mainClass` (in package sluice.twins) with `args`. */
export function flinkTwinCommand(mainClass: string, args: readonly string[]): { command: string; args: string[] } {
  return { command: process.env.FLINK_TWINS_JAVA ?? 'java', args: [...JAVA_OPENS, '-cp', CLASSPATH, `sluice.twins.${mainClass}`, ...args] };
}

/** Refuses to go on when build.sh has not compiled `mainClass`. */
export function requireTwinBuilt(mainClass: string): void {
  if (!existsSync(path.join(FLINK_CACHE, 'classes', 'sluice', 'twins', `${mainClass}.class`))) {
    throw new Error(`the Flink twins are not built in ${FLINK_CACHE}: run \`make bench-flink\` (samples/flink-twins/build.sh builds them)`);
  }
}
