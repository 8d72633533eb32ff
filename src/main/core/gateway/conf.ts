/**
 * The two things read from the gateway's conf.yaml: `listenPort` and `listenSsl`
 * (gateway-facts.md §2). The shipped file indents every line by 4 spaces, so "top level" means the
 * smallest indentation of any key, not column 0. Parsed by hand: no YAML dependency for two keys.
 */
import { GatewayStartError } from '../errors.js';

export interface GatewayConf {
  readonly listenPort: number;
  readonly listenSsl: boolean;
}

/** The gateway's own defaults when a key is missing. */
export const DEFAULT_CONF: GatewayConf = { listenPort: 5000, listenSsl: true };

/** The conf we write when the configured port is taken (relative: absolute paths fail, §1). */
export const OWN_CONF = 'root/ibkr-tray.yaml';

const KEY_LINE = /^(\s*)([A-Za-z_][\w.-]*)\s*:(.*)$/;

interface TopLevelKey {
  readonly line: number;
  readonly indent: string;
  readonly key: string;
  readonly value: string;
}

/** Strip a trailing comment and surrounding quotes from a scalar value. */
function scalar(raw: string): string {
  const value = raw.replace(/\s+#.*$/, '').trim();
  const quoted = /^(["'])(.*)\1$/.exec(value);
  return quoted ? quoted[2]! : value;
}

function topLevelKeys(text: string): TopLevelKey[] {
  const keys: (TopLevelKey & { width: number })[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (/^\s*#/.test(line)) return;
    const match = KEY_LINE.exec(line);
    if (!match) return;
    const indent = match[1]!;
    keys.push({ line: index, indent, key: match[2]!, value: match[3]!, width: indent.replace(/\t/g, '    ').length });
  });
  const top = Math.min(...keys.map((k) => k.width));
  return keys.filter((k) => k.width === top);
}

/** Read listenPort/listenSsl from conf text; a present but unreadable value is a clear error. */
export function parseGatewayConf(text: string, file = 'conf.yaml'): GatewayConf {
  let listenPort = DEFAULT_CONF.listenPort;
  let listenSsl = DEFAULT_CONF.listenSsl;
  for (const { key, value } of topLevelKeys(text)) {
    if (key === 'listenPort') {
      const port = Number(scalar(value));
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new GatewayStartError('wrong-folder', `listenPort in ${file} is "${scalar(value)}", not a port number (1-65535): fix the file.`);
      }
      listenPort = port;
    } else if (key === 'listenSsl') {
      const flag = scalar(value).toLowerCase();
      if (flag !== 'true' && flag !== 'false') {
        throw new GatewayStartError('wrong-folder', `listenSsl in ${file} is "${scalar(value)}", not true or false: fix the file.`);
      }
      listenSsl = flag === 'true';
    }
  }
  return { listenPort, listenSsl };
}

/** The same conf text with another listenPort (indentation and everything else kept). */
export function withListenPort(text: string, port: number): string {
  const lines = text.split(/(?<=\n)/);
  const found = topLevelKeys(text).find((k) => k.key === 'listenPort');
  if (found) {
    const eol = /\r?\n$/.exec(lines[found.line]!)?.[0] ?? '';
    lines[found.line] = `${found.indent}listenPort: ${port}${eol}`;
    return lines.join('');
  }
  const indent = topLevelKeys(text)[0]?.indent ?? '';
  return `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}${indent}listenPort: ${port}\n`;
}
