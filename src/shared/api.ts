/**
 * The one contract between the page (src/renderer) and the engine. The Electron preload
 * (`window.ibkr`, over IPC) and the web bridge (HTTP + server-sent events to `ibkr-tray serve`)
 * both implement RendererApi; main and the web server both serve the channels below.
 */
import { z } from 'zod';
import { IntentSchema, type Intent, type IntentResult } from './intents.js';
import type { AppSnapshot } from './snapshot.js';
import { Channels, type WebEvent, type WebRoute } from './routes.js';

export { Channels, PROFILE_QUERY, WebEvents, WebEventsPath, WebRoutes, type Channel, type WebEvent, type WebRoute } from './routes.js';

/** One line of the gateway's own output (stdout/stderr of run.sh), as the supervisor kept it. */
export interface LogLine {
  readonly seq: number;
  readonly at: number;
  readonly stream: 'stdout' | 'stderr' | 'app';
  readonly text: string;
  /**
   * The profile whose gateway printed the line. Set on every push (one stream carries every profile's
   * lines); absent in an answer to getLog, which is about the one profile it was asked for.
   */
  readonly profile?: string;
}

/**
 * Which profile (named gateway) a call is for: absent, the first profile (the only one before
 * profiles). An object rather than a bare name, so a stray extra string never reads as a profile.
 */
export interface ProfileChoice {
  readonly profile: string;
}

/** A profile's name as a call may carry it; whether such a profile exists is the shell's check. */
export const ProfileNameSchema = z.string().trim().min(1, 'name the profile').max(200, 'a profile name is shorter');
/** The optional last argument of the IPC channels that act on one profile. */
export const ProfileChoiceSchema = z.object({ profile: ProfileNameSchema }).strict();
/** The optional `?profile=NAME` of the web routes that act on one profile. */
export const WebRouteQuerySchema = z.object({ profile: ProfileNameSchema.optional() });

/**
 * The one rule for finding the profile a call is for, in `list` (the settings' order): absent, the
 * first; else the one with that name, without case (as `--profile` finds it). An unknown name is
 * refused with a reason, never guessed.
 */
export function pickProfile<T extends { readonly name: string }>(
  list: readonly T[],
  profile: string | undefined,
): { readonly ok: true; readonly picked: T } | { readonly ok: false; readonly reason: string } {
  const wanted = profile?.toLowerCase();
  const picked = wanted === undefined ? list[0] : list.find((item) => item.name.toLowerCase() === wanted);
  if (picked !== undefined) return { ok: true, picked };
  const names = list.map((item) => `"${item.name}"`).join(', ');
  return {
    ok: false,
    reason:
      profile === undefined
        ? 'No profile is open: add a gateway first.'
        : `No profile is named "${profile}" here (the profiles are ${names}): reload the page to see the current ones.`,
  };
}

export interface FolderChoice {
  /** The folder the user chose, or null when they cancelled. */
  readonly folder: string | null;
}

/**
 * Every call that acts on one profile takes an optional ProfileChoice last: absent, the first profile
 * (as before profiles); an unknown name is refused with a reason. Pushes carry every profile's news,
 * each snapshot and log line naming its profile.
 */
export interface RendererApi {
  /** The current snapshot of one profile; the page calls getSnapshots once on load, then follows onSnapshot. */
  getSnapshot(to?: ProfileChoice): Promise<AppSnapshot>;
  /** The current snapshot of every profile, in the settings' order (one for a single profile). */
  getSnapshots(): Promise<readonly AppSnapshot[]>;
  /** Every snapshot any profile's engine emits. Returns the function that unsubscribes. */
  onSnapshot(listener: (snapshot: AppSnapshot) => void): () => void;
  /** Ask a profile's engine to do something; refused intents come back with a reason. */
  send(intent: Intent, to?: ProfileChoice): Promise<IntentResult>;
  /** A profile's gateway log lines kept so far (bounded). */
  getLog(to?: ProfileChoice): Promise<readonly LogLine[]>;
  /** New gateway log lines of every profile as they arrive, each naming its profile. Returns the function that unsubscribes. */
  onLog(listener: (lines: readonly LogLine[]) => void): () => void;
  /**
   * The names of the open profiles, in order, whenever that list changes (a gateway added or removed
   * while the app runs): the page rebuilds its cards. Returns the function that unsubscribes.
   */
  onProfiles(listener: (names: readonly string[]) => void): () => void;
  /**
   * Let the user choose a profile's gateway folder: a native dialog in Electron (no typed path, or an
   * empty one); in the browser the page passes the typed path. Either way the engine checks it and
   * answers like `set-gateway-folder`.
   */
  chooseGatewayFolder(typedPath?: string, to?: ProfileChoice): Promise<IntentResult>;
}

/** Argument schemas for the invoke channels, parsed in main before any handler runs. */
const FolderArg = z.string().max(4096);
export const ChannelArgs = {
  [Channels.getSnapshot]: z.union([z.tuple([]), z.tuple([ProfileChoiceSchema])]),
  [Channels.getSnapshots]: z.tuple([]),
  [Channels.send]: z.union([z.tuple([IntentSchema]), z.tuple([IntentSchema, ProfileChoiceSchema])]),
  [Channels.getLog]: z.union([z.tuple([]), z.tuple([ProfileChoiceSchema])]),
  // An empty folder with a profile: browse for that profile's folder.
  [Channels.chooseGatewayFolder]: z.union([z.tuple([]), z.tuple([FolderArg]), z.tuple([FolderArg, ProfileChoiceSchema])]),
} as const;
export type InvokeChannel = keyof typeof ChannelArgs;

/** What every invoke channel resolves to. */
export interface ChannelResults {
  [Channels.getSnapshot]: AppSnapshot;
  [Channels.getSnapshots]: readonly AppSnapshot[];
  [Channels.send]: IntentResult;
  [Channels.getLog]: readonly LogLine[];
  [Channels.chooseGatewayFolder]: IntentResult;
}

/**
 * What each web route reads from its request body, parsed by the dashboard before any handler runs:
 * nothing for a GET, an Intent for `send`, the typed folder for `chooseGatewayFolder` (in the browser
 * there is no native dialog, so the path is required here). Which profile a route acts on rides in
 * the address (`?profile=NAME`, WebRouteQuerySchema), so the bodies are the same as before profiles.
 */
export const WebRouteBodies = {
  getSnapshot: null,
  getSnapshots: null,
  getLog: null,
  send: IntentSchema,
  chooseGatewayFolder: z.object({ folder: z.string().trim().min(1, 'type the gateway folder').max(4096) }),
} as const satisfies { readonly [R in WebRoute]: z.ZodType | null };

/** The body a web route takes, as the page sends it (undefined for a GET). */
export type WebRouteBody<R extends WebRoute> = (typeof WebRouteBodies)[R] extends z.ZodType ? z.input<(typeof WebRouteBodies)[R]> : undefined;
/** The body after the dashboard parsed it, as its handler receives it. */
export type ParsedWebRouteBody<R extends WebRoute> = (typeof WebRouteBodies)[R] extends z.ZodType ? z.output<(typeof WebRouteBodies)[R]> : undefined;
/** What a web route answers: exactly what its IPC channel answers. */
export type WebRouteResult<R extends WebRoute> = ChannelResults[(typeof Channels)[R]];
/** What each server-sent event carries: exactly what its push channel carries. */
export interface WebEventPayloads {
  snapshot: AppSnapshot;
  log: readonly LogLine[];
  /** The names of the profiles the dashboard serves, in order, after `ibkr-tray serve` opened or closed one. */
  profiles: readonly string[];
}
// Compile-time check: every web event has a payload type and nothing more.
const _eventsMatch: [WebEvent] extends [keyof WebEventPayloads] ? ([keyof WebEventPayloads] extends [WebEvent] ? true : never) : never = true;
void _eventsMatch;
