/**
 * Sluice logs failures and restarts, which fault specs cause on purpose: quiet unless asked
 * (SLUICE_LOG_LEVEL=info make test). Set before any job starts; child processes inherit it.
 */
process.env.SLUICE_LOG_LEVEL ??= 'silent';

/**
 * Root hooks for the whole suite: turn unhandled rejections into failures, so an error that
 * escapes a test's promises is never silently lost.
 */
process.on('unhandledRejection', (reason) => {
  throw reason instanceof Error ? reason : new Error(`unhandled rejection: ${String(reason)}`);
});

/**
 * The suite ends with mocha's `exit` (see .mocharc.json), so a client a spec forgot to close
 * cannot keep CI waiting; such leftovers are still reported here, to be found and fixed.
 */
process.on('exit', () => {
  const sockets = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap');
  if (sockets.length > 0) process.stderr.write(`hooks: ${sockets.length} socket(s) still open when the suite ended (a spec left a client or server open)\n`);
});
