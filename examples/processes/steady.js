// A steady worker: prints a heartbeat every second, stops cleanly on SIGTERM.
let beats = 0;
const timer = setInterval(() => console.log(`heartbeat ${++beats}`), 1000);
process.on('SIGTERM', () => {
  console.log('SIGTERM received, finishing the current job');
  clearInterval(timer);
  setTimeout(() => process.exit(0), 100);
});
process.on('SIGHUP', () => console.log('SIGHUP received, reloading configuration'));
console.log(`steady worker started (pid ${process.pid})`);
