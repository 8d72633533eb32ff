import { describe, expect, it } from 'vitest';
import { GatewayStartError } from '../../../src/main/core/errors.js';
import { parseGatewayConf, withListenPort } from '../../../src/main/core/gateway/conf.js';

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
    expect(parseGatewayConf(SHIPPED)).toEqual({ listenPort: 5000, listenSsl: true });
  });

  it('reads other values, quotes, comments and CRLF line ends', () => {
    const text = '    listenPort: "5001"  # moved off AirPlay\r\n    listenSsl: false\r\n';
    expect(parseGatewayConf(text)).toEqual({ listenPort: 5001, listenSsl: false });
  });

  it('ignores nested keys of the same name and commented lines', () => {
    const text = '    # listenPort: 1\n    listenPort: 5002\n    serverOptions:\n        listenPort: 9999\n        listenSsl: false\n';
    expect(parseGatewayConf(text)).toEqual({ listenPort: 5002, listenSsl: true });
  });

  it('falls back to the gateway defaults when keys are missing', () => {
    expect(parseGatewayConf('    ip2loc: "US"\n')).toEqual({ listenPort: 5000, listenSsl: true });
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
    expect(parseGatewayConf(changed)).toEqual({ listenPort: 5123, listenSsl: true });
  });

  it('adds listenPort at the top-level indentation when missing', () => {
    const changed = withListenPort('    ip2loc: "US"\n    listenSsl: true\n', 5124);
    expect(changed).toBe('    ip2loc: "US"\n    listenSsl: true\n    listenPort: 5124\n');
  });
});
