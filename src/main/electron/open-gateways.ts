/**
 * The profiles the tray app has open, in display order: each one's gateway (engine, login window…) or,
 * when its engine could not be opened, why not (so the tray can say it in that profile's section).
 * Profiles come and go while the app runs (Add gateway…, Remove…, `ibkr-tray profile add` in a
 * terminal), so main.ts and the IPC block read the list through this registry, never a copy, and hear
 * of every change through onChange (what to open and close is core/profiles.ts's profileChanges, shared
 * with `ibkr-tray serve`). No Electron here: the gateway is a type parameter.
 */
import path from 'node:path';
import { profileKey } from '../core/profile-key.js';
import { ProfileNameSchema } from '../core/settings.js';

/** A profile the app has tried to open: its gateway, or the reason it could not be opened. */
export type ProfileSlot<G> = { readonly name: string; readonly gateway: G } | { readonly name: string; readonly gateway: null; readonly problem: string };

export class OpenGateways<G extends { readonly name: string }> {
  private slots: ProfileSlot<G>[] = [];
  private readonly listeners = new Set<() => void>();

  /** Every profile tried, open or not, in display order. */
  all(): readonly ProfileSlot<G>[] {
    return this.slots;
  }

  /** The open gateways, in display order. */
  gatewaysNow(): readonly G[] {
    return this.slots.flatMap((slot) => (slot.gateway === null ? [] : [slot.gateway]));
  }

  /**
   * The gateway a tray item, notification or page is for, by its profile's name (without case);
   * absent: the first open one (the only one before profiles). Null when that profile is not open.
   */
  gatewayOf(name: string | undefined): G | null {
    if (name === undefined) return this.gatewaysNow()[0] ?? null;
    const slot = this.find(name);
    return slot?.gateway ?? null;
  }

  /** The slot of that profile (without case), or undefined. */
  find(name: string): ProfileSlot<G> | undefined {
    const key = profileKey(name);
    return this.slots.find((slot) => profileKey(slot.name) === key);
  }

  /** Add an opened gateway (at the end), or put it in place of that profile's slot. */
  open(gateway: G): void {
    this.put({ name: gateway.name, gateway });
  }

  /** Record that a profile could not be opened, and why (the engine's words). */
  failed(name: string, problem: string): void {
    this.put({ name, gateway: null, problem });
  }

  /** Take a profile out of the list; returns its slot (undefined when it was not there). */
  remove(name: string): ProfileSlot<G> | undefined {
    const slot = this.find(name);
    if (!slot) return undefined;
    this.slots = this.slots.filter((s) => s !== slot);
    this.changed();
    return slot;
  }

  /** Called after every change of the list. Returns the function that unsubscribes. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private put(slot: ProfileSlot<G>): void {
    const at = this.slots.findIndex((s) => profileKey(s.name) === profileKey(slot.name));
    if (at === -1) this.slots = [...this.slots, slot];
    else this.slots = this.slots.map((s, index) => (index === at ? slot : s));
    this.changed();
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** Folder names that say nothing about which login a gateway holds: the zip's own name. */
const GENERIC_FOLDER_NAMES: ReadonlySet<string> = new Set(['clientportal.gw', 'clientportal', 'gateway', 'bin', 'root']);

/**
 * The name a gateway added from the tray gets (the user can rename it with `ibkr-tray profile rename`):
 * its folder's name ("paper-gw") unless that is the zip's generic name or already taken, else
 * "Gateway 2", "Gateway 3"… (the first free).
 */
export function newProfileName(folder: string, taken: readonly string[]): string {
  const takenKeys = new Set(taken.map(profileKey));
  const base = path.basename(path.resolve(folder)).trim();
  const usable = ProfileNameSchema.safeParse(base).success && !GENERIC_FOLDER_NAMES.has(base.toLowerCase());
  if (usable && !takenKeys.has(profileKey(base))) return base;
  // Among taken.length + 2 numbers one is free (taken.length names cannot hold them all).
  for (let n = 2; n <= taken.length + 2; n++) {
    const candidate = `Gateway ${n}`;
    if (!takenKeys.has(profileKey(candidate))) return candidate;
  }
  return `Gateway ${taken.length + 2}`;
}
