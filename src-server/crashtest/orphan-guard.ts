/**
 * Child processes of the crash test end themselves when the test process is gone (a test
 * runner that timed out and was terminated never gets to kill them).
 */
export function exitWithParent(): void {
  const parent = process.ppid;
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      process.exit(70);
    }
    if (process.ppid !== parent) process.exit(70);
  }, 1000).unref();
}
