/** Settings of a table environment's queries (`tEnv.getConfig()`). */
export class TableConfig {
  /** @internal */
  stateRetentionMs: number | undefined;
  /**
   * Drops the state of a group, ranking or join key idle for this long (Flink's
   * table.exec.state.ttl): state stays bounded when keys come and go, at the cost of exact
   * results for keys that come back after it.
   */
  setIdleStateRetention(ms: number): this {
    if (!(ms > 0)) throw new RangeError('idle state retention must be a positive number of milliseconds');
    this.stateRetentionMs = ms;
    return this;
  }
}
