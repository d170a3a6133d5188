// Imported by every bench server: exit when the process that started it is gone (a killed
// `npm run bench`, a test that timed out), so that no server outlives its run. A server
// started by hand from a shell lives as long as the shell. (Unref'd: the listening socket
// is what keeps a server running.)
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000).unref();
// SIGTERM (how the suite stops a server) exits normally, so `--cpu-prof` writes its profile.
process.once('SIGTERM', () => process.exit(0));
