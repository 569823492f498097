/**
 * Child-process entry of the benchmark servers, so that a server never shares an event loop
 * or a CPU measurement with the driver under test. Prints one JSON line {"port": n} when ready.
 *
 *   stall <periodMs> <stallMs>  answers at once, except that every request arriving in the last
 *                               stallMs of each periodMs (clock starting at the first request)
 *                               is held until that window ends.
 *   tiny                        answers "ok" at once.
 *   fixed <delayMs>             answers "ok" delayMs after each request arrives (a timer: ~1 ms late at worst).
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const [mode = 'tiny', periodArg = '10000', stallArg = '1000'] = process.argv.slice(2);
const periodNs = BigInt(Math.round(Number(periodArg) * 1e6));
const stallNs = BigInt(Math.round(Number(stallArg) * 1e6));
const fixedDelayMs = Number(periodArg);

let epochNs: bigint | undefined;
let held: ServerResponse[] = [];
let releaseTimer: NodeJS.Timeout | undefined;

function release(): void {
  const batch = held;
  held = [];
  releaseTimer = undefined;
  for (const res of batch) res.end('ok');
}

const server = createServer((req, res) => {
  req.resume();
  if (mode === 'fixed') {
    setTimeout(() => res.end('ok'), fixedDelayMs);
    return;
  }
  if (mode !== 'stall') {
    res.end('ok');
    return;
  }
  const now = process.hrtime.bigint();
  epochNs ??= now;
  const inPeriodNs = (now - epochNs) % periodNs;
  const stallStartNs = periodNs - stallNs;
  if (inPeriodNs < stallStartNs) {
    res.end('ok');
    return;
  }
  held.push(res);
  releaseTimer ??= setTimeout(release, Number(periodNs - inPeriodNs) / 1e6);
});
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
