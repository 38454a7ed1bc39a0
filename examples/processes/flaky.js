// A flaky worker: works for a moment, then crashes, most of the time.
console.log(`flaky worker started (pid ${process.pid})`);
const lifetime = 500 + Math.floor(Math.random() * 1500);
const timer = setTimeout(() => {
  if (Math.random() < 0.7) {
    console.error('lost the connection to the queue; crashing');
    process.exit(1);
  }
  console.log('finished the batch');
  process.exit(0);
}, lifetime);
process.on('SIGTERM', () => {
  clearTimeout(timer);
  process.exit(0);
});
