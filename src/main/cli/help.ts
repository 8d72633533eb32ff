/** The help text of `ibkr-tray` (kept in step with the README's "Command line" section). */

export const USAGE = `Usage: ibkr-tray [--gateway URL] [--dir GATEWAY_FOLDER] [--config-dir DIR] [--profile NAME] [--json] [--timeout SECONDS] [--verbose] COMMAND

Commands:
  status                      the session in one line (one per profile); --json: the snapshot
  login [--wait] [--timeout S] [--interval S] [--no-browser]
                              log in: starts the gateway if needed and opens the login page;
                              --wait waits until logged in (default 300 s, checking every 1 s)
  wait [--timeout S] [--interval S]
                              wait until the session is ready (checking every 1 s), starting and opening nothing
  accounts                    the accounts with their aliases, the selected one marked *
  use ACCOUNT                 select the active account
  logout | tickle | validate | reauth | takeover
                              one call: log out, keep alive, check the SSO session, restart the
                              brokerage session, take the session back from another platform
  gateway start | stop | status | logs [--follow]
                              the gateway process (start and logs need the gateway folder)
  gateway install [--from URL|FILE]
                              download IBKR's gateway (or unzip FILE) into --dir or the settings
                              folder and remember it; an update keeps root/*.yaml and downloads
                              only when IBKR's file changed; silence for 6 x --timeout fails it
  java install                download a Temurin Java runtime from Adoptium into the settings folder
  doctor                      check everything the gateway needs, one line each; exit 0 when all is well
  keepalive [--health HOST:PORT] [--notify URL]
                              stay in the foreground keeping the session alive, one line per change;
                              Ctrl-C stops (and stops the gateway only if keepalive started or restarted it);
                              --health answers GET /livez and /readyz (no token) on HOST:PORT;
                              --notify POSTs to a webhook (or ntfy topic) when a login is needed
  trust                       trust the gateway's current certificate (prints old and new fingerprints)
  serve [--host H] [--port P] [--notify URL]
                              the local web dashboard (default 127.0.0.1:5050), with /livez and /readyz
  service install [--health HOST:PORT] [--notify URL] | status | uninstall
                              keepalive as a service that survives reboots (systemd user unit on
                              Linux, launchd agent on macOS); it uses --dir, --gateway and --config-dir
  profile list | add NAME --dir FOLDER [--port P] | remove NAME | rename OLD NEW
                              named gateways side by side (e.g. Live and Paper); with more than
                              one, status and keepalive run each, serve shows a card for each on
                              its one dashboard, and other commands need --profile NAME
  help [COMMAND]              this text, or that command's part of it
  version                     the version of ibkr-tray (also --version)

Options:
  --gateway URL        the gateway's origin (default: settings, the folder's conf, https://localhost:5000)
  --dir FOLDER         the gateway folder (contains bin/ and root/); default from the settings
  --config-dir DIR     the settings folder (default IBKR_TRAY_CONFIG_DIR, else the app's own)
  --profile NAME       which named gateway (see \`ibkr-tray profile list\`); needed when there are several
  --json               stdout carries exactly one JSON document; messages go to stderr
  --timeout SECONDS    per-request timeout (default 5); after wait/login --wait: how long to wait
  --verbose, -v        show details (stack traces) of failures

Exit codes:
  0 done (status, wait: ready)   1 usage or invalid input   2 not ready
  3 gateway unreachable or not responding   4 timed out waiting   5 rate limited (429)
  6 certificate changed (check it, then \`ibkr-tray trust\`)   130 interrupted (Ctrl-C during a wait)
`;

/**
 * The entries of USAGE's command list: each starts two spaces in, its continuation lines further in.
 * One entry for several commands (`logout | tickle | …`) names each; `gateway start | stop | …` names
 * `gateway` only (its alternatives are verbs, not commands).
 */
function entries(): { names: readonly string[]; text: string }[] {
  const list = USAGE.slice(USAGE.indexOf('Commands:\n') + 'Commands:\n'.length, USAGE.indexOf('\n\nOptions:'));
  const found: { names: string[]; text: string }[] = [];
  for (const line of list.split('\n')) {
    if (/^ {2}\S/.test(line)) found.push({ names: namesOf(line.trim().split(/ {2,}/)[0] ?? ''), text: line });
    else if (found.length > 0) found[found.length - 1]!.text += `\n${line}`;
  }
  return found;
}

function namesOf(synopsis: string): string[] {
  const alternatives = synopsis.split('|').map((a) => a.trim());
  if (alternatives.every((a) => /^[a-z-]+$/.test(a))) return alternatives;
  return [synopsis.split(' ')[0] ?? synopsis];
}

/** `ibkr-tray help COMMAND`: that command's lines of USAGE, or null for a name USAGE does not list. */
export function helpFor(command: string): string | null {
  const mine = entries().filter((e) => e.names.includes(command));
  if (mine.length === 0) return null;
  return `Usage: ibkr-tray [OPTIONS] ${command} …\n\n${mine.map((e) => e.text).join('\n')}\n\nThe options (--gateway, --dir, --json, --timeout, …) and exit codes: \`ibkr-tray help\`\n`;
}
