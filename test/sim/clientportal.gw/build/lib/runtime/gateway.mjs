// The fake gateway's "java": started by bin/run.sh as its child, from the gateway folder.
// Plain JavaScript on purpose: it must print the banner at once (before it listens, like the real
// GatewayStart), and only then load the TypeScript simulator through tsx from the repository.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const launchedAt = performance.timeOrigin;
const folder = process.cwd();

const confIndex = process.argv.indexOf('--conf');
const confArg = confIndex >= 0 ? (process.argv[confIndex + 1] ?? '') : '';

// The conf path is looked up on the class path (root/…): `../root/x.yaml` works, an absolute or
// missing path fails like this (gateway-facts.md §1).
const confRelative = confArg.replace(/^\.\.\//, '');
const confPath = resolve(folder, confRelative);
if (!confArg || isAbsolute(confRelative) || !existsSync(confPath) || !statSync(confPath).isFile()) {
  console.log(`Failed to load configuration file: ${confArg}`);
  console.error('java.io.IOException: Stream closed');
  console.error('\tat java.base/java.io.BufferedInputStream.getBufIfOpen(BufferedInputStream.java:168)');
  console.error('\tat ibgroup.web.core.clientportal.gw.GatewayStart.main(GatewayStart.java:42)');
  process.exit(1);
}

/** The few conf.yaml keys the simulator uses, from the real 4-space-indented format. */
function readConf(text) {
  const conf = { listenPort: 5000, listenSsl: true, proxyRemoteHost: 'https://api.ibkr.com', authDelay: 3000, ips: { allow: [], deny: [] } };
  const unquote = (v) => v.trim().replace(/^"(.*)"$/, '$1');
  let list = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, '');
    const item = /^\s*-\s*(.+)$/.exec(line);
    if (item && list) {
      conf.ips[list].push(unquote(item[1]));
      continue;
    }
    const pair = /^\s*([\w.]+):\s*(.*)$/.exec(line);
    if (!pair) continue;
    const [, key, value] = pair;
    list = key === 'allow' || key === 'deny' ? key : null;
    if (key === 'listenPort') conf.listenPort = Number(value);
    else if (key === 'listenSsl') conf.listenSsl = unquote(value) === 'true';
    else if (key === 'proxyRemoteHost') conf.proxyRemoteHost = unquote(value);
    else if (key === 'authDelay') conf.authDelay = Number(value);
  }
  return conf;
}

const conf = readConf(readFileSync(confPath, 'utf8'));
const origin = `${conf.listenSsl ? 'https' : 'http'}://localhost:${conf.listenPort}`;
const banner = [
  '-> mount demo on /demo',
  'Java Version: 17.0.9',
  '****************************************************',
  'version: ed4d60b7b1d5e9e1be4ba1de3ef8a4b2d7d4cbbe Mon, 24 Apr 2023 13:10:03 -0400',
  '****************************************************',
  'This is the Client Portal Gateway',
  'for any issues, please contact api@ibkr.com',
  'and include a copy of your logs',
  '****************************************************',
  'https://www.interactivebrokers.com/api/doc.html',
  '****************************************************',
  `Open ${origin} to login`,
  `App demo is available after you login under: ${origin}/demo#/`,
];
process.stdout.write(`${banner.join('\n')}\n`);
// Like the JVM (it ignores SIGPIPE and System.out swallows write errors), the gateway keeps serving
// when whoever read its output has gone, e.g. `ibkr-tray gateway start` after it exited.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

// Where the simulator's code lives: recorded by makeGatewayFolder in a copy, else this folder is
// test/sim/clientportal.gw inside the repository.
const here = dirname(fileURLToPath(import.meta.url));
const homeFile = join(folder, '.sim-home');
const simDir = existsSync(homeFile) ? readFileSync(homeFile, 'utf8').trim() : resolve(here, '../../../..');
const folderMain = join(simDir, 'folder-main.ts');
if (!existsSync(folderMain)) {
  console.error(`Exception in thread "main" java.lang.NoClassDefFoundError: simulator not found at ${simDir}`);
  process.exit(1);
}
const requireFromRepo = createRequire(join(simDir, 'index.ts'));
// require.resolve finds the CommonJS build of tsx's API; its ES module twin sits beside it.
const tsxApi = requireFromRepo.resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
const { register } = await import(pathToFileURL(tsxApi).href);
register();
const { runFolderGateway } = await import(pathToFileURL(folderMain).href);
await runFolderGateway({ folder, conf, launchedAt, banner });
