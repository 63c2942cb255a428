/**
 * The hub of `bench round`, in its own process so its CPU, memory and event loop are its own:
 * starts a TLS hub on loopback, tells the parent how to reach it, samples its RSS, and stops on
 * request (so `--cpu-prof` can write its profile).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startHub } from '../hub/index.ts';
import { startOrderStatThreadsOrWarn } from '../core/unify-threads/order-stat-threads.ts';
import type { BenchHubReply, BenchHubRequest } from './round-messages.ts';

const send = (msg: BenchHubReply): void => {
  process.send?.(msg);
};

const dataDir = process.argv[3];
// As `fedunify hub` runs: order statistics on every core.
await startOrderStatThreadsOrWarn();
const hub = await startHub({
  dataDir,
  port: 0,
  host: '127.0.0.1',
  quiet: true,
  // Loopback clients answer at once; the participant event budget is not what is measured.
  rateLimit: { burst: 10_000, perSec: 10_000 },
});
let peakRss = process.memoryUsage.rss();
// Long synchronous stretches of the hub starve every socket's heartbeat: their length is reported.
const loop = monitorEventLoopDelay({ resolution: 20 });
loop.enable();
const maxStallMs = (): number => loop.max / 1e6;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 50);

process.on('message', (msg: BenchHubRequest) => {
  if (msg.type === 'reset-rss') {
    // No reply: a late one would be taken for the answer to the next 'rss'.
    peakRss = process.memoryUsage.rss();
    loop.reset();
  } else if (msg.type === 'rss') {
    send({
      type: 'rss',
      peakMb: Math.max(peakRss, process.memoryUsage.rss()) / 2 ** 20,
      maxStallMs: maxStallMs(),
    });
  } else if (msg.type === 'stop') {
    clearInterval(sampler);
    loop.disable();
    const t0 = performance.now();
    void hub.close().then(() => {
      process.stderr.write(`  hub stopped in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
      process.exit(0);
    });
  }
});
send({
  type: 'ready',
  url: hub.url,
  fingerprint: hub.fingerprint ?? '',
  username: hub.operator.username,
  password: hub.operator.password ?? '',
});

// The parent went away (crashed or interrupted): do not linger.
process.on('disconnect', () => process.exit(1));
