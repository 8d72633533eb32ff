import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GatewayStartError } from '../../../../../src/main/core/errors.js';
import { parseGatewayConf, withConfValue, withListenPort } from '../../../../../src/main/core/gateway/conf.js';

// The real shipped file, byte for byte (its ips block is indented by 6, not 8).
const REAL = readFileSync(new URL('../../../../sim/clientportal.gw/root/conf.yaml', import.meta.url), 'utf8');

// The shipped default, as the real gateway has it: every line indented by 4 spaces (gateway-facts §2).
const SHIPPED = [
  '    ip2loc: "US"',
  '    proxyRemoteSsl: true',
  '    proxyRemoteHost: "https://api.ibkr.com"',
  '    listenPort: 5000',
  '    listenSsl: true',
  '    ccp: false',
  '    svcEnvironment: "v1"',
  '    sslCert: "vertx.jks"',
  '    sslPwd: "mywebapi"',
  '    authDelay: 3000',
  '    portalBaseURL: ""',
  '    serverOptions:',
  '        blockedThreadCheckInterval: 1000000',
  '        eventLoopPoolSize: 20',
  '        workerPoolSize: 20',
  '        maxWorkerExecuteTime: 100',
  '        internalBlockingPoolSize: 20',
  '    cors:',
  '        origin.allowed: "*"',
  '        allowCredentials: false',
  '    webApps:',
  '        - name: "demo"',
  '          index: "index.html"',
  '    ips:',
  '        allow:',
  '            - 192.*',
  '            - 131.216.*',
  '            - 127.0.0.1',
  '        deny:',
  '            - 212.90.324.10',
  '',
].join('\n');

describe('parseGatewayConf', () => {
  it('reads the shipped 4-space-indented conf', () => {
    expect(parseGatewayConf(SHIPPED)).toMatchObject({ listenPort: 5000, listenSsl: true });
  });

  it('reads other values, quotes, comments and CRLF line ends', () => {
    const text = '    listenPort: "5001"  # moved off AirPlay\r\n    listenSsl: false\r\n';
    expect(parseGatewayConf(text)).toMatchObject({ listenPort: 5001, listenSsl: false });
  });

  it('ignores nested keys of the same name and commented lines', () => {
    const text = '    # listenPort: 1\n    listenPort: 5002\n    serverOptions:\n        listenPort: 9999\n        listenSsl: false\n';
    expect(parseGatewayConf(text)).toMatchObject({ listenPort: 5002, listenSsl: true });
  });

  it('falls back to the gateway defaults when keys are missing', () => {
    expect(parseGatewayConf('    ip2loc: "US"\n')).toMatchObject({ listenPort: 5000, listenSsl: true });
  });

  it('reads the real shipped file, its ips block included', () => {
    expect(parseGatewayConf(REAL)).toEqual({
      listenPort: 5000,
      listenSsl: true,
      proxyRemoteHost: 'https://api.ibkr.com',
      ipsAllow: ['192.*', '131.216.*', '127.0.0.1'],
      ipsDeny: ['212.90.324.10'],
    });
  });

  it('reads YAML 1.1 booleans the way the gateway\'s own parser does', () => {
    expect(parseGatewayConf('    listenSsl: off\n').listenSsl).toBe(false);
  });

  it('names the file and the line of a YAML syntax error', () => {
    expect(() => parseGatewayConf('    listenPort: 5000\n    ips: [\n', 'root/conf.yaml')).toThrow(/root\/conf\.yaml is not valid YAML \(line 3\)/);
    expect(() => parseGatewayConf('- listenPort\n', 'root/conf.yaml')).toThrow(/does not hold the gateway's settings/);
  });

  it.each([
    ['    listenPort: abc\n', /listenPort .* "abc"/],
    ['    listenPort: 70000\n', /not a port number/],
    ['    listenSsl: yes please\n', /listenSsl .* not true or false/],
  ])('refuses %j with a clear reason', (text, message) => {
    expect(() => parseGatewayConf(text, 'root/conf.yaml')).toThrow(GatewayStartError);
    expect(() => parseGatewayConf(text, 'root/conf.yaml')).toThrow(message);
  });
});

describe('withListenPort', () => {
  it('changes only the top-level listenPort, keeping indentation and everything else', () => {
    const changed = withListenPort(SHIPPED, 5123);
    expect(changed).toContain('\n    listenPort: 5123\n');
    expect(changed.replace('listenPort: 5123', 'listenPort: 5000')).toBe(SHIPPED);
    expect(parseGatewayConf(changed)).toMatchObject({ listenPort: 5123, listenSsl: true });
  });

  it('changes one value of the real shipped file and keeps every other byte', () => {
    const changed = withListenPort(REAL, 5123);
    expect(changed).not.toBe(REAL);
    expect(changed).toBe(REAL.replace('    listenPort: 5000\n', '    listenPort: 5123\n'));
    expect(parseGatewayConf(changed)).toMatchObject({ listenPort: 5123, ipsAllow: ['192.*', '131.216.*', '127.0.0.1'] });
  });

  it('keeps comments, quotes and CRLF line ends around the changed value', () => {
    const text = '# my gateway\r\n    listenPort: "5000"   # off AirPlay\r\n    proxyRemoteHost: "https://api.ibkr.com"\r\n';
    expect(withListenPort(text, 5124)).toBe('# my gateway\r\n    listenPort: 5124   # off AirPlay\r\n    proxyRemoteHost: "https://api.ibkr.com"\r\n');
    expect(withConfValue(text, 'proxyRemoteHost', 'https://localhost:7000')).toBe(text.replace('https://api.ibkr.com', 'https://localhost:7000'));
  });

  it('refuses to overwrite a block with a single value', () => {
    expect(() => withConfValue(REAL, 'ips', 'none')).toThrow(/ips in conf\.yaml is not a single value/);
  });

  it('adds listenPort at the top-level indentation when missing', () => {
    const changed = withListenPort('    ip2loc: "US"\n    listenSsl: true\n', 5124);
    expect(changed).toBe('    ip2loc: "US"\n    listenSsl: true\n    listenPort: 5124\n');
  });
});
