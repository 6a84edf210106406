/** How a Flink twin is started: the classes build.sh compiled, Flink's jars, and the JVM flags Flink needs on Java 17. */
import { createHash } from 'crypto';
import { existsSync, readFileSync } from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const POM = path.join(ROOT, 'samples', 'flink-twins', 'pom.xml');
/** Where build.sh put the jars of this pom.xml (a directory per content of the pom: worktrees share .cache). */
export const flinkLibs = () => path.join(ROOT, '.cache', 'flink', `libs-${createHash('sha256').update(readFileSync(POM)).digest('hex').slice(0, 12)}`);
/** Where build.sh compiled the twins of this worktree. */
export const TWIN_CLASSES = path.join(ROOT, 'build', 'flink-twins', 'classes');
/** Flink on Java 17 reflects into these packages (as Flink's own launch scripts open them). */
const JAVA_OPENS = ['java.base/java.lang', 'java.base/java.util', 'java.base/java.lang.reflect', 'java.base/java.nio', 'java.base/sun.nio.ch'].map((p) => `--add-opens=${p}=ALL-UNNAMED`);

/** The command that runs twin class `mainClass` (in package sluice.twins, e.g. 'BenchTwin' or 'nexmark.NexmarkTwin') with `args`. */
export function flinkTwinCommand(mainClass: string, args: readonly string[]): { command: string; args: string[] } {
  return { command: process.env.FLINK_TWINS_JAVA ?? 'java', args: [...JAVA_OPENS, '-cp', `${TWIN_CLASSES}:${path.join(flinkLibs(), '*')}`, `sluice.twins.${mainClass}`, ...args] };
}

/** Refuses to go on when build.sh has not fetched the jars or compiled `mainClass`. */
export function requireTwinBuilt(mainClass: string): void {
  const compiled = path.join(TWIN_CLASSES, 'sluice', 'twins', `${mainClass.replace(/\./g, '/')}.class`);
  const libs = flinkLibs();
  if (!existsSync(libs) || !existsSync(compiled)) {
    throw new Error(`the Flink twins are not built (${existsSync(libs) ? `no ${compiled}` : `no ${libs}`}): run \`make bench-flink\` (samples/flink-twins/build.sh builds them)`);
  }
}
