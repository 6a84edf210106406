import { expect } from 'chai';
import { spawn, start, stop } from 'nact';
import { actorExists, nactInternalsProblems, sameActor } from '../../src/runtime/nactInternals';

/**
 * What Sluice relies on in nact's private modules (src/runtime/nactInternals.ts). A nact update
 * that breaks one of them fails here, saying what changed.
 */
const BROKEN = 'an update of nact broke what src/runtime/nactInternals.ts relies on';

describe('runtime/nactInternals: what Sluice relies on in nact', () => {
  it('finds nact/lib/system-map and its find() in the installed nact', () => {
    const problems = nactInternalsProblems();
    expect(problems, `${BROKEN}: ${problems.join('; ')}`).to.deep.equal([]);
  });

  it('tells a running actor from one that stopped, and from one whose system stopped', () => {
    const system = start();
    try {
      const parent = spawn(system, (s: undefined) => s, 'parent');
      const child = spawn(parent, (s: undefined) => s, 'child');
      const other = spawn(system, (s: undefined) => s, 'other');
      expect([actorExists(system), actorExists(parent), actorExists(child)], `${BROKEN}: a running actor is not found`).to.deep.equal([true, true, true]);
      stop(other);
      expect(actorExists(other), `${BROKEN}: a stopped actor is still found`).to.equal(false);
      stop(system);
      expect([actorExists(system), actorExists(parent)], `${BROKEN}: an actor of a stopped system is still found`).to.deep.equal([false, false]);
    } finally {
      stop(system);
    }
  });

  it('takes two references to one actor for the same actor, and references to others for others', () => {
    const system = start();
    try {
      const a = spawn(system, (s: undefined) => s, 'a');
      const b = spawn(system, (s: undefined) => s, 'b');
      const copyOfA = JSON.parse(JSON.stringify(a)) as typeof a;
      expect([sameActor(a, copyOfA), sameActor(a, b), sameActor(a, undefined)], `${BROKEN}: references no longer carry system.name and path.parts`).to.deep.equal([true, false, false]);
    } finally {
      stop(system);
    }
  });
});
