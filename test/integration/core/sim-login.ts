/** Log the simulator in and wait until its brokerage session is up (authDelay later). */
import type { Simulator } from '../../sim/index.js';
import { until } from '../../sim/until.js';

export async function loggedIn(sim: Simulator): Promise<void> {
  await sim.control.login();
  await until('authenticated', async () => (await sim.control.state()).authenticated);
}
