/**
 * Watermark alignment of sources (Flink's `withWatermarkAlignment(group, maxDrift)`): the
 * sources of one group read only while their watermark is at most `maxDrift` ahead of the
 * group's lowest, so a fast source waits for a slow one instead of filling the state of
 * downstream windows and joins with records that cannot be finished yet. A source that waits
 * stops reading (its records stay in the source): nothing is buffered.
 *
 * A group lives in one process (the application's thread, or one task manager) and one run of
 * a job (name and attempt): a member joins when its watermark operator opens, leaves when it
 * closes. Idle members (withIdleness) and ended ones (watermark +∞) do not hold the group back;
 * one that has not made a watermark yet (−∞) does, as in Flink.
 */

/** One source instance in an alignment group. */
export interface AlignmentMember {
  /** The group's first member in this process (it made the group). */
  readonly first: boolean;
  /** Its watermark (−∞ before the first, +∞ at the end of its input); it is active again if it was idle. */
  report(watermark: number): void;
  /** Declared idle: it no longer holds the group back until it reports again. */
  idle(): void;
  /** Whether it may read: its watermark is at most maxDrift above the group's lowest. */
  mayRead(): boolean;
  /** Resolves once it may read (at once if it may, and when it leaves). */
  whenMayRead(): Promise<void>;
  /** Leaves the group (its operator closed). */
  leave(): void;
}

interface MemberState {
  watermark: number;
  idle: boolean;
  /** Resolves a wait of whenMayRead. */
  release?: () => void;
}

class AlignmentGroup {
  private readonly members = new Set<MemberState>();

  constructor(readonly maxDriftMs: number, private readonly onEmpty: () => void) {}

  join(first: boolean): AlignmentMember {
    const state: MemberState = { watermark: -Infinity, idle: false };
    this.members.add(state);
    const mayRead = () => state.watermark <= this.lowest() + this.maxDriftMs;
    return {
      first,
      report: (watermark) => {
        state.idle = false;
        state.watermark = Math.max(state.watermark, watermark);
        this.releaseWaiters();
      },
      idle: () => {
        state.idle = true;
        this.releaseWaiters();
      },
      mayRead,
      whenMayRead: () => (mayRead() ? Promise.resolve() : new Promise<void>((resolve) => (state.release = resolve))),
      leave: () => {
        if (!this.members.delete(state)) return;
        state.release?.();
        this.releaseWaiters();
        if (this.members.size === 0) this.onEmpty();
      },
    };
  }

  /** The lowest watermark of the active members (+∞ when none is active). */
  private lowest(): number {
    let lowest = Infinity;
    for (const m of this.members) if (!m.idle && m.watermark < lowest) lowest = m.watermark;
    return lowest;
  }

  private releaseWaiters(): void {
    const allowed = this.lowest() + this.maxDriftMs;
    for (const m of this.members) {
      if (m.release === undefined || m.watermark > allowed) continue;
      const release = m.release;
      m.release = undefined;
      release();
    }
  }
}

/** The groups of this process, by job run and group name. */
const groups = new Map<string, AlignmentGroup>();

/**
 * Joins group `group` of the job run `run` (its name and attempt). Every member of a group
 * must give the same maxDrift: another is refused.
 */
export function joinAlignmentGroup(run: string, group: string, maxDriftMs: number): AlignmentMember {
  const key = JSON.stringify([run, group]);
  const existing = groups.get(key);
  if (existing !== undefined && existing.maxDriftMs !== maxDriftMs) {
    throw new Error(`watermark alignment group '${group}' has maxDrift ${existing.maxDriftMs} ms, and a source joins it with ${maxDriftMs} ms: give every source of a group the same maxDrift`);
  }
  const g = existing ?? new AlignmentGroup(maxDriftMs, () => groups.delete(key));
  groups.set(key, g);
  return g.join(existing === undefined);
}
