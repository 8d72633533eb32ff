import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP_PAGE_URL,
  CERT_CHROMIUM_DECIDES,
  CERT_TRUSTED,
  acceptsGatewayCertificate,
  appFileFor,
  certificateFingerprint,
  grantsPermission,
  isAllowedNavigation,
  isOwnWindowSender,
  isSafeExternalUrl,
  verifyLoginCertificate,
} from '../../../../src/main/electron/security.js';

const pem = readFileSync(path.join(import.meta.dirname, 'fixtures', 'gateway-cert.pem'), 'utf8');
// From `openssl x509 -noout -fingerprint -sha256`, independent of the code under test.
const PINNED = '55:A9:49:0E:0D:CB:7D:3B:1D:DF:FD:FC:CC:89:D4:D3:98:91:14:82:1D:51:36:0A:96:DF:82:65:E4:45:27:8A';
const OTHER = '13:DA:F8:9A:07:12:B9:62:C3:EC:AA:5E:DE:34:41:00:AE:E0:D3:B5:DE:C5:A7:9A:BD:76:02:A8:12:ED:A3:BE';
const chromiumForm = `sha256/${Buffer.from(PINNED.replace(/:/g, ''), 'hex').toString('base64')}`;
const certificate = { data: pem, fingerprint: chromiumForm };
const gateway = { url: 'https://localhost:5000', fingerprint: PINNED };

describe('certificateFingerprint', () => {
  it('computes the pinned form from the PEM', () => {
    expect(certificateFingerprint(certificate)).toBe(PINNED);
  });
  it("falls back to Chromium's sha256/base64 form when the PEM does not parse", () => {
    expect(certificateFingerprint({ data: 'not a pem', fingerprint: chromiumForm })).toBe(PINNED);
  });
  it('gives null when neither is usable', () => {
    expect(certificateFingerprint({ data: '', fingerprint: 'sha256/AAAA' })).toBeNull();
    expect(certificateFingerprint({ data: '', fingerprint: '' })).toBeNull();
  });
});

describe('acceptsGatewayCertificate (the login window uses the HTTPS client predicate)', () => {
  it('accepts the pinned certificate on the gateway origin', () => {
    expect(acceptsGatewayCertificate('https://localhost:5000/sso/Login?forwardTo=22', certificate, gateway)).toBe(true);
  });
  it('treats 127.0.0.1 and localhost as the same gateway', () => {
    expect(acceptsGatewayCertificate('https://127.0.0.1:5000/', certificate, gateway)).toBe(true);
  });
  it('refuses it on another port', () => {
    expect(acceptsGatewayCertificate('https://localhost:5001/', certificate, gateway)).toBe(false);
  });
  it('refuses it on another host', () => {
    expect(acceptsGatewayCertificate('https://api.ibkr.com:5000/', certificate, gateway)).toBe(false);
    expect(acceptsGatewayCertificate('https://evil.example/', certificate, gateway)).toBe(false);
  });
  it('refuses another certificate on the gateway origin', () => {
    expect(acceptsGatewayCertificate('https://localhost:5000/', certificate, { ...gateway, fingerprint: OTHER })).toBe(false);
  });
  it('refuses a malformed URL', () => {
    expect(acceptsGatewayCertificate('localhost:5000', certificate, gateway)).toBe(false);
    expect(acceptsGatewayCertificate('https://', certificate, gateway)).toBe(false);
    expect(acceptsGatewayCertificate('', certificate, gateway)).toBe(false);
  });
  it('refuses plain http even on the gateway port', () => {
    expect(acceptsGatewayCertificate('http://localhost:5000/', certificate, gateway)).toBe(false);
  });
  it('accepts nothing before a fingerprint is pinned', () => {
    expect(acceptsGatewayCertificate('https://localhost:5000/', certificate, { ...gateway, fingerprint: null })).toBe(false);
  });
});

describe('verifyLoginCertificate (the login session verify proc)', () => {
  it('trusts the pinned certificate for the gateway host', () => {
    expect(verifyLoginCertificate({ hostname: 'localhost', certificate }, gateway)).toBe(CERT_TRUSTED);
    expect(verifyLoginCertificate({ hostname: '127.0.0.1', certificate }, gateway)).toBe(CERT_TRUSTED);
  });
  it("leaves every other host and certificate to Chromium's own verdict", () => {
    expect(verifyLoginCertificate({ hostname: 'www.interactivebrokers.com', certificate }, gateway)).toBe(CERT_CHROMIUM_DECIDES);
    expect(verifyLoginCertificate({ hostname: 'localhost', certificate }, { ...gateway, fingerprint: OTHER })).toBe(CERT_CHROMIUM_DECIDES);
    expect(verifyLoginCertificate({ hostname: 'localhost', certificate }, { url: 'not a url', fingerprint: PINNED })).toBe(CERT_CHROMIUM_DECIDES);
  });
});

describe('isAllowedNavigation (login window)', () => {
  const gatewayUrl = 'https://localhost:5000';
  it.each([
    ['https://localhost:5000/', true],
    ['https://localhost:5000/sso/Login?forwardTo=22&RL=1&ip2loc=US', true],
    ['https://localhost:5000/sso/Dispatcher', true],
    ['https://localhost:5001/', false],
    ['http://localhost:5000/', false],
    ['https://api.ibkr.com/sso/Login', false],
    ['https://localhost:5000.evil.example/', false],
    ['https://user@evil.example/', false],
    ['javascript:alert(1)', false],
    ['file:///etc/passwd', false],
    ['not a url', false],
  ])('%s → %s', (url, allowed) => {
    expect(isAllowedNavigation(url, gatewayUrl)).toBe(allowed);
  });
  it('allows nothing when the gateway URL itself is malformed', () => {
    expect(isAllowedNavigation('https://localhost:5000/', 'localhost')).toBe(false);
  });
});

describe('isSafeExternalUrl (links for the system browser)', () => {
  it.each([
    ['https://www.interactivebrokers.com/en/support', true],
    ['http://example.com/', true],
    ['javascript:alert(1)', false],
    ['file:///etc/passwd', false],
    ['smb://server/share', false],
    ['https://user:pass@example.com/', false],
    ['//example.com', false],
    ['', false],
    [`https://example.com/${'a'.repeat(3000)}`, false],
  ])('%s → %s', (url, safe) => {
    expect(isSafeExternalUrl(url)).toBe(safe);
  });
});

describe('isOwnWindowSender (IPC)', () => {
  const own = 7;
  const frame = { url: APP_PAGE_URL, isMainFrame: true };
  it('accepts the main frame of our window showing our page', () => {
    expect(isOwnWindowSender({ webContentsId: own, frame }, own)).toBe(true);
  });
  it('refuses another window', () => {
    expect(isOwnWindowSender({ webContentsId: 8, frame }, own)).toBe(false);
  });
  it('refuses a sub-frame of our window', () => {
    expect(isOwnWindowSender({ webContentsId: own, frame: { ...frame, isMainFrame: false } }, own)).toBe(false);
  });
  it('refuses our window once it shows another page', () => {
    expect(isOwnWindowSender({ webContentsId: own, frame: { url: 'https://localhost:5000/', isMainFrame: true } }, own)).toBe(false);
    expect(isOwnWindowSender({ webContentsId: own, frame: { url: 'file:///tmp/index.html', isMainFrame: true } }, own)).toBe(false);
    expect(isOwnWindowSender({ webContentsId: own, frame: { url: 'app://other-host/index.html', isMainFrame: true } }, own)).toBe(false);
  });
  it('refuses a sender whose frame is gone', () => {
    expect(isOwnWindowSender({ webContentsId: own, frame: null }, own)).toBe(false);
  });
  it('refuses everything while the window does not exist', () => {
    expect(isOwnWindowSender({ webContentsId: own, frame }, null)).toBe(false);
  });
});

describe('appFileFor (the app:// scheme)', () => {
  const root = path.resolve('/srv/out/renderer');
  it.each([
    ['app://ibkr-tray/index.html', path.join(root, 'index.html')],
    ['app://ibkr-tray/', path.join(root, 'index.html')],
    ['app://ibkr-tray/assets/index-abc.js?v=1', path.join(root, 'assets', 'index-abc.js')],
  ])('%s → a file in out/renderer', (url, file) => {
    expect(appFileFor(url, root)).toBe(file);
  });
  it.each(['app://ibkr-tray/../../etc/passwd', 'app://ibkr-tray/%2e%2e/%2e%2e/etc/passwd'])('%s cannot climb out of out/renderer', (url) => {
    // URL parsing resolves dot segments against the root, as a web server would.
    expect(appFileFor(url, root)).toBe(path.join(root, 'etc', 'passwd'));
  });
  it.each([
    'app://ibkr-tray/assets%2f..%2f..%2fsecret',
    'app://ibkr-tray/..%5c..%5csecret',
    'app://ibkr-tray/%00',
    'app://ibkr-tray/%E0%A4%A',
    'app://another-host/index.html',
    'https://ibkr-tray/index.html',
    'not a url',
  ])('%s → nothing', (url) => {
    expect(appFileFor(url, root)).toBeNull();
  });
});

describe('permissions', () => {
  it.each(['media', 'notifications', 'clipboard-read', 'clipboard-sanitized-write', 'geolocation', 'openExternal', 'fullscreen'])('denies %s to the gateway\'s pages', (permission) => {
    expect(grantsPermission(permission, 'https://localhost:5000/sso/Login')).toBe(false);
  });
  it.each(['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal'])('denies %s to the app\'s own page', (permission) => {
    expect(grantsPermission(permission, APP_PAGE_URL)).toBe(false);
  });
  it('lets the app\'s own page write to the clipboard (the log\'s Copy button), by URL or by origin', () => {
    expect(grantsPermission('clipboard-sanitized-write', APP_PAGE_URL)).toBe(true);
    expect(grantsPermission('clipboard-sanitized-write', 'app://ibkr-tray')).toBe(true);
    expect(grantsPermission('clipboard-sanitized-write', 'app://other-host/index.html')).toBe(false);
    expect(grantsPermission('clipboard-sanitized-write', 'not a url')).toBe(false);
  });
});
