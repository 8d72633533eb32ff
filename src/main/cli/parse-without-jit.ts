/**
 * Zod compiles a fast parser (`new Function`) for each object schema on its first parse. A command
 * parses each gateway answer once, or a few times a minute, so the compiling costs more than it ever
 * saves: about 25 ms of a one-shot `status` of about 230 ms on the benchmark machine. Zod reads this
 * setting when a schema is built, so main.ts imports this module before any module that builds one
 * (the settings, the engine). The parsing itself is the same, only interpreted. The tray app does not
 * load this: it runs for days, where the compiled parsers pay off.
 */
import { z } from 'zod';

z.config({ jitless: true });
