/**
 * Zod compiles a fast parser (`new Function`) for each object schema on its first parse. A command
 * parses each gateway answer once, or a few times a minute, so the compiling costs more than it ever
 * saves: about 25 ms of a one-shot `status` of about 230 ms on the benchmark machine. Zod reads this
 * setting when a schema is built, so run.ts imports this module before any command's module (several
 * build schemas as they load), after --help and --version, which need no zod. The parsing itself is the
 * same, only interpreted. The tray app does not load this: it runs for days, where compiling pays off.
 */
import { z } from 'zod';

z.config({ jitless: true });
