/**
 * The gateway's root/conf.yaml, read and written with the `yaml` library (gateway-facts.md §2).
 *
 * Reading goes through its document API. Writing changes one value in the parsed source tokens
 * (the library's CST) and prints those tokens back, so every other byte of the user's file stays as
 * it was: the shipped file indents every line by 4 spaces and its `ips` block by 6, and a document
 * printer would re-indent both and could drop comments in odd places.
 *
 * The gateway reads its conf with a YAML 1.1 parser (SnakeYAML, under Vert.x), where `yes`/`no`/
 * `on`/`off` are booleans: we parse as 1.1 too, so we see the values the gateway sees.
 */
import { Composer, CST, isMap, isScalar, isSeq, Parser, type Document } from 'yaml';
import { GatewayStartError } from '../errors.js';

export interface GatewayConf {
  readonly listenPort: number;
  readonly listenSsl: boolean;
}

/** More of conf.yaml, for `doctor` and the gateway update. */
export interface GatewayConfDetails extends GatewayConf {
  /** Where the gateway forwards to (default https://api.ibkr.com). */
  readonly proxyRemoteHost: string;
  /** `ips.allow` / `ips.deny`: which source addresses the gateway serves (it listens on 0.0.0.0). */
  readonly ipsAllow: readonly string[];
  readonly ipsDeny: readonly string[];
}

/** The gateway's own defaults when a key is missing. */
export const DEFAULT_CONF: GatewayConf = { listenPort: 5000, listenSsl: true };

const DEFAULT_REMOTE_HOST = 'https://api.ibkr.com';

/** The conf we write when the configured port is taken (relative: absolute paths fail, §1). */
export const OWN_CONF = 'root/ibkr-tray.yaml';

interface ParsedConf {
  readonly tokens: CST.Token[];
  readonly doc: Document.Parsed;
}

/** Parse once into source tokens and the document composed from them (nodes keep their token). */
function parseConf(text: string, file: string): ParsedConf {
  const tokens = [...new Parser().parse(text)];
  // forceDoc: an empty file is an empty document (all defaults), not no document.
  const doc = [...new Composer({ version: '1.1', keepSourceTokens: true }).compose(tokens, true)][0];
  if (!doc) throw new GatewayStartError('wrong-folder', `${file} could not be read as YAML: restore it from the gateway's zip.`);
  const error = doc.errors[0];
  if (error) {
    const line = text.slice(0, error.pos[0]).split('\n').length;
    throw new GatewayStartError('wrong-folder', `${file} is not valid YAML (line ${line}): ${error.message.split('\n')[0]}; fix it or restore it from the gateway's zip.`);
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new GatewayStartError('wrong-folder', `${file} does not hold the gateway's settings (key: value lines): restore it from the gateway's zip.`);
  }
  return { tokens, doc };
}

function scalarText(doc: Document.Parsed, path: readonly string[]): string | null {
  const node = doc.getIn(path, true);
  if (node === undefined || node === null) return null;
  if (!isScalar(node)) return null;
  return node.value === null ? null : String(node.value as string | number | boolean);
}

function list(doc: Document.Parsed, path: readonly string[]): string[] {
  const node = doc.getIn(path, true);
  if (!isSeq(node)) return [];
  return node.items.flatMap((item) => (isScalar(item) && item.value !== null ? [String(item.value as string | number)] : []));
}

/** Read conf text; a present but unreadable value is a clear one-line error naming the file. */
export function parseGatewayConf(text: string, file = 'conf.yaml'): GatewayConfDetails {
  const { doc } = parseConf(text, file);
  let listenPort = DEFAULT_CONF.listenPort;
  let listenSsl = DEFAULT_CONF.listenSsl;
  const port = scalarText(doc, ['listenPort']);
  if (port !== null) {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 1 || n > 65535) {
      throw new GatewayStartError('wrong-folder', `listenPort in ${file} is "${port}", not a port number (1-65535): fix the file.`);
    }
    listenPort = n;
  }
  const ssl = scalarText(doc, ['listenSsl']);
  if (ssl !== null) {
    const flag = ssl.toLowerCase();
    if (flag !== 'true' && flag !== 'false') {
      throw new GatewayStartError('wrong-folder', `listenSsl in ${file} is "${ssl}", not true or false: fix the file.`);
    }
    listenSsl = flag === 'true';
  }
  return {
    listenPort,
    listenSsl,
    proxyRemoteHost: scalarText(doc, ['proxyRemoteHost']) ?? DEFAULT_REMOTE_HOST,
    ipsAllow: list(doc, ['ips', 'allow']),
    ipsDeny: list(doc, ['ips', 'deny']),
  };
}

/**
 * The same conf text with one top-level value changed (or added at the top level's indentation when
 * missing); every other byte is kept.
 */
export function withConfValue(text: string, key: string, value: string | number | boolean, file = 'conf.yaml'): string {
  const { tokens, doc } = parseConf(text, file);
  const node = doc.get(key, true);
  const source = typeof value === 'string' ? JSON.stringify(value) : String(value);
  if (isScalar(node) && node.srcToken && CST.isScalar(node.srcToken)) {
    // A quoted string stays double-quoted; numbers and booleans are plain.
    CST.setScalarValue(node.srcToken, String(value), { type: typeof value === 'string' ? 'QUOTE_DOUBLE' : 'PLAIN' });
    return tokens.map((token) => CST.stringify(token)).join('');
  }
  if (node !== undefined && node !== null) throw new GatewayStartError('wrong-folder', `${key} in ${file} is not a single value: fix the file.`);
  const root = isMap(doc.contents) ? doc.contents.srcToken : undefined;
  const indent = root && root.type === 'block-map' ? ' '.repeat(root.indent) : '';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const separator = text === '' || text.endsWith('\n') ? '' : eol;
  return `${text}${separator}${indent}${key}: ${source}${eol}`;
}

/** The same conf text with another listenPort (the only way to move the gateway to another port, §1). */
export function withListenPort(text: string, port: number): string {
  return withConfValue(text, 'listenPort', port);
}
