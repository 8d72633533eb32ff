/** `ibkr-tray profile list | add NAME --dir FOLDER [--port P] | remove NAME | rename OLD NEW`: the named gateways. */
import { addProfile, removeProfile, renameProfile } from '../../core/profiles.js';
import { SettingsStore, type Profile } from '../../core/settings.js';
import { confSettingsBackend, defaultConfigDir } from '../../core/settings-file.js';
import type { ProfileAction } from '../arguments.js';
import type { CommandContext, CommandResult } from '../context.js';
import { ExitCode } from '../exit-codes.js';


/** `Paper  /opt/paper/clientportal.gw` (or its URL, or "no gateway folder yet"). */
function profileLine(profile: Profile): string {
  return `${profile.name}  ${profile.gatewayUrl ?? profile.gatewayFolder ?? 'no gateway folder yet'}`;
}

export async function profile(ctx: CommandContext, action: ProfileAction): Promise<CommandResult> {
  const configDir = ctx.global.configDir ?? defaultConfigDir();
  const store = SettingsStore.open(confSettingsBackend(configDir));
  for (const notice of store.notices()) ctx.out.problem(notice.text);
  const document = (profiles: readonly Profile[]): unknown => ({
    profiles: profiles.map((p) => ({ name: p.name, gatewayFolder: p.gatewayFolder, gatewayUrl: p.gatewayUrl })),
  });
  switch (action.kind) {
    case 'list': {
      const profiles = store.profiles();
      ctx.out.result(profiles.map(profileLine).join('\n'), document(profiles));
      break;
    }
    case 'add': {
      const added = addProfile(store, { name: action.profile, folder: action.folder, ...(action.port === null ? {} : { port: action.port }) });
      ctx.out.result(`added ${profileLine(added)}`, document(store.profiles()));
      break;
    }
    case 'remove': {
      const removed = removeProfile(store, configDir, action.profile);
      ctx.out.result(`removed ${removed.name} (its gateway folder is left as it is)`, document(store.profiles()));
      break;
    }
    case 'rename': {
      const renamed = renameProfile(store, action.from, action.to);
      ctx.out.result(`renamed to ${renamed.name}`, document(store.profiles()));
      break;
    }
  }
  return ExitCode.ok;
}
