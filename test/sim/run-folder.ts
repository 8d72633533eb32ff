/**
 * `npm run sim [port]`: start the fake gateway folder in a temporary copy, the way a user starts the
 * real one (`bash bin/run.sh root/….yaml`), and print where it is and how to log in. Ctrl-C stops the
 * whole process tree and removes the copy.
 */
import { createServer } from 'node:net';
import { freePort, startGatewayFolder } from './gateway-folder.js';

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const wanted = Number(process.argv[2] ?? 5000);
if (!Number.isInteger(wanted) || wanted <= 0 || wanted > 65535) {
  console.error(`"${process.argv[2] ?? ''}" is not a port number: run npm run sim -- 5000`);
  process.exit(2);
}
const port = (await portIsFree(wanted)) ? wanted : await freePort();
if (port !== wanted) console.log(`port ${wanted} is taken; using ${port}`);

const gateway = await startGatewayFolder({ port });
console.log(`gateway:     ${gateway.url}   (folder ${gateway.dir})`);
console.log(`fingerprint: ${gateway.fingerprint256}`);
console.log(`control:     ${gateway.controlUrl}   (POST /control/<method> with a JSON array of arguments)`);
console.log('login:       user123 / password123 at the gateway URL (or: curl -X POST <control>/control/login)');
console.log('Ctrl-C to stop.');

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void gateway.stop().then(() => {
    console.log('stopped; temporary folder removed');
    process.exit(0);
  });
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
