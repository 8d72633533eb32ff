/**
 * Run by notify-receivers.test.ts in a child Node started with --expose-gc: one ping attempt through
 * the product's own fetchPost to a receiver that takes the connection and never answers, with the
 * garbage collector run every few milliseconds meanwhile (what a long-running `serve` does over hours).
 * Prints one JSON line: the outcome and how long the attempt took.
 */
import { createServer, type Socket } from 'node:net';
import { fetchPost } from '../../src/main/core/notify.js';

const timeoutMs = Number(process.argv[2] ?? '300');
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('start this with node --expose-gc');

const sockets: Socket[] = [];
const server = createServer((socket) => {
  sockets.push(socket); // read nothing, answer nothing, close nothing
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as { port: number };
const collecting = setInterval(gc, 5);
const started = performance.now();
const outcome = await fetchPost({ url: `http://127.0.0.1:${port}/hook`, headers: { 'content-type': 'application/json' }, body: '{}' }, timeoutMs, new AbortController().signal);
const tookMs = Math.round(performance.now() - started);
clearInterval(collecting);
for (const socket of sockets) socket.destroy();
server.close();
process.stdout.write(`${JSON.stringify({ outcome, tookMs })}\n`);
