/** The help text against the README it is kept in step with (issue 21: `help profile` contradicted it). */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { helpFor, USAGE } from '../../../../src/main/cli/help.js';

const README = fs.readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');

describe('help', () => {
  it('`help profile` says serve has one dashboard for every profile, not one port each', () => {
    const profile = helpFor('profile') ?? '';
    expect(profile).not.toMatch(/P\+1/);
    expect(profile).not.toMatch(/serve on/);
    expect(profile).toMatch(/serve shows a card for each on\s+its one dashboard/);
    // What the README says about it.
    expect(README).toMatch(/serve runs one dashboard with a card per profile/);
  });

  it('every default the help names is the one the README names', () => {
    const defaults = [...USAGE.matchAll(/default (\d[\d.:]*(?: s)?)/g)].map((m) => m[1]!);
    expect(defaults.length).toBeGreaterThanOrEqual(3);
    for (const value of defaults) expect(README, `default ${value}`).toContain(`default ${value}`);
  });
});
