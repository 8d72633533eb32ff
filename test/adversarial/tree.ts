/**
 * A folder's every entry (files, folders, links) with its type, mode and content hash, to assert that
 * an install left the user's files byte-identical, and what an install left in a parent folder.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

export type Tree = Record<string, string>;

/** Every entry under `dir` (relative names, '/'-separated): "file 644 <sha256>", "dir 755", "link -> target". */
export function treeOf(dir: string): Tree {
  const out: Tree = {};
  const walk = (relative: string): void => {
    const full = path.join(dir, relative);
    const info = lstatSync(full);
    const mode = (info.mode & 0o777).toString(8);
    if (info.isSymbolicLink()) out[relative || '.'] = `link -> ${readlinkSync(full)}`;
    else if (info.isDirectory()) {
      out[relative || '.'] = `dir ${mode}`;
      for (const name of readdirSync(full).sort()) walk(relative ? `${relative}/${name}` : name);
    } else out[relative || '.'] = `file ${mode} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`;
  };
  walk('');
  return out;
}

/** The entries of `before` that `after` lacks or holds differently (empty: all kept byte for byte). */
export function changedIn(before: Tree, after: Tree, ignore: (name: string) => boolean = () => false): string[] {
  return Object.keys(before).filter((name) => !ignore(name) && after[name] !== before[name]);
}
