/**
 * The tray app's list of open profiles (issue 17): gateways added and removed while the app runs, in
 * display order, found by name without case, a profile that could not be opened kept with its reason,
 * and every change heard by the listeners (the tray and the window redraw on it).
 */
import { describe, expect, it } from 'vitest';
import { newProfileName, OpenGateways } from '../../../../src/main/electron/open-gateways.js';

interface FakeGateway {
  readonly name: string;
  readonly id: number;
}

function gatewayNamed(name: string, id = 0): FakeGateway {
  return { name, id };
}

describe('OpenGateways', () => {
  it('keeps the order gateways were opened in, and finds one by name without case', () => {
    const list = new OpenGateways<FakeGateway>();
    list.open(gatewayNamed('Live'));
    list.open(gatewayNamed('Paper'));
    expect(list.gatewaysNow().map((g) => g.name)).toEqual(['Live', 'Paper']);
    expect(list.gatewayOf('paper')?.name).toBe('Paper');
    expect(list.gatewayOf('Other')).toBeNull();
  });

  it('without a name, gives the first open gateway, which is the next one once the first is removed', () => {
    const list = new OpenGateways<FakeGateway>();
    expect(list.gatewayOf(undefined)).toBeNull();
    list.open(gatewayNamed('Live'));
    list.open(gatewayNamed('Paper'));
    expect(list.gatewayOf(undefined)?.name).toBe('Live');
    expect(list.remove('LIVE')?.name).toBe('Live');
    expect(list.gatewayOf(undefined)?.name).toBe('Paper');
    expect(list.remove('Live')).toBeUndefined();
  });

  it('keeps a profile that could not be opened, with its reason, in its place; it is no gateway', () => {
    const list = new OpenGateways<FakeGateway>();
    list.open(gatewayNamed('Live'));
    list.failed('Paper', 'The gateway folder of "Paper" does not exist any more.');
    list.open(gatewayNamed('Demo'));
    expect(list.all().map((slot) => (slot.gateway === null ? `${slot.name}: ${slot.problem}` : slot.name))).toEqual([
      'Live',
      'Paper: The gateway folder of "Paper" does not exist any more.',
      'Demo',
    ]);
    expect(list.gatewaysNow().map((g) => g.name)).toEqual(['Live', 'Demo']);
    expect(list.gatewayOf('Paper')).toBeNull();
    // Opened later (the folder is back): it takes its own place, not the end.
    list.open(gatewayNamed('Paper', 2));
    expect(list.gatewaysNow().map((g) => g.name)).toEqual(['Live', 'Paper', 'Demo']);
    expect(list.gatewayOf('Paper')?.id).toBe(2);
  });

  it('tells every listener after each change, until it unsubscribes', () => {
    const list = new OpenGateways<FakeGateway>();
    const heard: string[][] = [];
    const stop = list.onChange(() => heard.push(list.all().map((slot) => slot.name)));
    list.open(gatewayNamed('Live'));
    list.open(gatewayNamed('Paper'));
    list.remove('Live');
    list.remove('Nobody');
    stop();
    list.open(gatewayNamed('Demo'));
    expect(heard).toEqual([['Live'], ['Live', 'Paper'], ['Paper']]);
  });
});

describe('newProfileName', () => {
  it("is the folder's own name when it says something and is free", () => {
    expect(newProfileName('/home/me/ibkr/paper-gw', ['Gateway'])).toBe('paper-gw');
    expect(newProfileName('/home/me/ibkr/Paper/', ['Live'])).toBe('Paper');
  });

  it('is "Gateway N", the first free, for the zip\'s generic folder name or a name already taken', () => {
    expect(newProfileName('/tmp/x/clientportal.gw', ['Gateway'])).toBe('Gateway 2');
    expect(newProfileName('/tmp/x/clientportal.gw', ['Gateway', 'gateway 2'])).toBe('Gateway 3');
    expect(newProfileName('/tmp/x/Paper', ['paper', 'Gateway 2'])).toBe('Gateway 3');
  });
});
