/**
 * The one module that reaches into nact's private parts. nact 7.6.2 offers neither death
 * watch nor a way to ask whether an actor still exists, and its references have no equality;
 * an application's job actor must notice that its parent or system stopped
 * (applicationJobActor.ts), and an actor source must tell its own inlet from another
 * (ActorSourceOutbox.ts).
 *
 * What is relied on, checked by `nactInternalsProblems` when this module loads (and, with
 * live actors, by specs/runtime/nactInternals.spec.ts):
 * - the module `nact/lib/system-map`, whose `find(systemName, reference)` gives the actor of a
 *   reference while it runs and undefined once it or its system stopped;
 * - a reference carries `system.name` and `path.parts`, which name its actor.
 *
 * Exit condition: when nact offers death watch (or Sluice leaves nact), use that.
 */
import type { Ref } from 'nact';

/** The nact versions this adapter was written against and checked with. */
const SUPPORTED_VERSION = /^7\.6\./;

interface SystemMap {
  find(systemName: string, reference: unknown): unknown;
}

/** What a nact reference is made of, as far as used here. */
interface ReferenceShape {
  readonly system?: { readonly name?: string };
  readonly path?: { readonly parts?: readonly string[] };
}

/** What this adapter relies on and the installed nact lacks (empty when all is there). */
export function nactInternalsProblems(): string[] {
  const version = (require('nact/package.json') as { version: string }).version;
  if (!SUPPORTED_VERSION.test(version)) return [`nact ${version} is installed; the adapter is written for nact 7.6.x`];
  let systemMap: Partial<SystemMap>;
  try {
    systemMap = require('nact/lib/system-map') as Partial<SystemMap>;
  } catch (e) {
    return [`module nact/lib/system-map cannot be loaded (${(e as Error).message.split('\n')[0]})`];
  }
  return typeof systemMap.find === 'function' ? [] : ['nact/lib/system-map has no find()'];
}

function loadSystemMap(): SystemMap {
  const problems = nactInternalsProblems();
  if (problems.length > 0) throw new Error(`Sluice's actor integration uses nact 7.6.x internals, and the installed nact breaks them: ${problems.join('; ')}. Pin nact to ~7.6.2.`);
  return require('nact/lib/system-map') as SystemMap;
}

// nact keeps its running systems in this module; a reference whose actor stopped resolves to nothing.
const systemMap = loadSystemMap();

/** True while the actor (or system) `ref` names runs; false once it or its system stopped. */
export function actorExists(ref: Ref<unknown>): boolean {
  const name = (ref as ReferenceShape).system?.name;
  return name !== undefined && systemMap.find(name, ref) !== undefined;
}

/** True when both references name the same actor: nact references are plain objects, equal by system and path. */
export function sameActor(a: Ref<unknown> | undefined, b: Ref<unknown> | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const pa = a as ReferenceShape;
  const pb = b as ReferenceShape;
  return pa.system?.name === pb.system?.name && (pa.path?.parts ?? []).join('/') === (pb.path?.parts ?? []).join('/');
}
