/**
 * The words for a download the engine does for the user (the gateway, Java), shared by the page, the
 * tray and the command line so they all say the same sizes and the same percentages.
 * Pure: no Node, no DOM.
 */
import type { InstallView, InstallWhat } from './snapshot.js';

/** "3.1 MB" (or "42 kB"): sizes for progress. */
export function megabytes(bytes: number): string {
  if (bytes < 100_000) return `${Math.max(1, Math.round(bytes / 1000))} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** "12.3 of 45.6 MB", or "12.3 MB" when the size is unknown. */
export function amountWords(received: number, total: number | null): string {
  if (total === null) return megabytes(received);
  // In the unit of the total, which megabytes() picks: "40 of 120 kB", "12.3 of 45.6 MB".
  const done = total < 100_000 ? String(Math.round(received / 1000)) : (received / 1_000_000).toFixed(1);
  return `${done} of ${megabytes(total)}`;
}

/** Whole percent done (0–100), or null when the total is unknown. */
export function percentDone(received: number, total: number | null): number | null {
  if (total === null) return null;
  if (total <= 0) return 100;
  return Math.min(100, Math.floor((received * 100) / total));
}

const NAMES: { readonly [K in InstallWhat]: string } = { gateway: 'the gateway', java: 'Java for the gateway' };

/** "Downloading the gateway", "Unpacking Java for the gateway". */
export function installTitle(install: Pick<InstallView, 'what' | 'phase'>): string {
  return `${install.phase === 'download' ? 'Downloading' : 'Unpacking'} ${NAMES[install.what]}`;
}

/** One line for a tooltip or a menu: "Downloading the gateway: 45 %", "Unpacking the gateway…". */
export function installLine(install: InstallView): string {
  const percent = install.phase === 'download' ? percentDone(install.received, install.total) : null;
  return percent === null ? `${installTitle(install)}…` : `${installTitle(install)}: ${percent} %`;
}
