import { startSimulator, type SimOptions, type Simulator } from '../../sim/index.js';
import { ManualClock } from '../../sim/manual-clock.js';
import { until } from '../../sim/until.js';

/**
 * A simulator already past a browser login with its brokerage session up (authDelay 0, pacing off
 * and no `{}` accounts answer unless the options say otherwise).
 */
export async function startAuthenticated(options: SimOptions = {}): Promise<Simulator> {
  const sim = await startSimulator({ authDelayMs: 0, pacing: false, emptyAccountsAnswers: 0, ...options });
  await sim.control.login();
  if (options.clock instanceof ManualClock) options.clock.advance(0);
  await until('brokerage session up', async () => (await sim.control.state()).authenticated, 2000);
  return sim;
}
