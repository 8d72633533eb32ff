/**
 * The seeded generator the adversarial tests share: a small PRNG, and archives with the gateway's
 * layout to mutate (or to serve as they are, the control).
 */
import { seededRandom } from '../sim/seeded-random.js';
import type { RawEntry } from './zip-writer.js';

/** The shared seeded generator (test/sim/seeded-random.ts), under the name these tests use. */
export const random = seededRandom;

export type Rng = () => number;
export const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;
export const word = (rng: Rng): string => Array.from({ length: 1 + Math.floor(rng() * 8) }, () => pick(rng, [...'abcdefghijklmnopqrstuvwxyz0123456789_-'])).join('');

/** A small archive with the gateway's layout (at the top or in one folder), and a few more files. */
export function gatewayEntries(rng: Rng): { entries: RawEntry[]; prefix: string } {
  const prefix = rng() < 0.5 ? '' : 'clientportal.gw/';
  const files: [string, string][] = [
    ['bin/run.sh', '#!/bin/sh\necho gateway\n'],
    ['bin/run.bat', '@echo gateway\r\n'],
    ['root/conf.yaml', 'listenPort: 5000\n'],
    [`dist/${word(rng)}.jar`, 'PK jar'],
    [`build/lib/runtime/${word(rng)}.jar`, 'runtime'],
  ];
  for (let i = Math.floor(rng() * 4); i > 0; i--) files.push([`${pick(rng, ['doc', 'root', 'build/lib'])}/${word(rng)}.${pick(rng, ['txt', 'xml', 'jar'])}`, word(rng).repeat(1 + Math.floor(rng() * 50))]);
  const unique = [...new Map(files.map(([n, d]) => [n.toLowerCase(), [n, d] as const])).values()];
  const entries: RawEntry[] = unique.map(([name, data]) => ({ name: prefix + name, data: Buffer.from(data), method: rng() < 0.5 ? 'deflate' : 'store' }));
  return { entries: entries.sort(() => rng() - 0.5), prefix };
}

