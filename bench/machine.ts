/** Where and when the figures were measured: they only mean something next to the machine. */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  readonly date: string;
  readonly nproc: number;
  readonly cpu: string;
  readonly node: string;
  readonly platform: string;
}

export function machine(): Machine {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux: os.cpus() it is
  }
  return {
    date: new Date().toISOString().slice(0, 10),
    nproc: os.availableParallelism(),
    cpu,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}
