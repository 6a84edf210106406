/**
 * Root hooks for the whole suite: turn unhandled rejections into failures, so an error that
 * escapes a test's promises is never silently lost.
 */
process.on('unhandledRejection', (reason) => {
  throw reason instanceof Error ? reason : new Error(`unhandled rejection: ${String(reason)}`);
});
