/**
 * One profile's card: its state badge and reason, the first-run step, downloads, notices, account
 * picker, session buttons, gateway details and log. Built once per profile by createCard; it draws
 * its profile's snapshots through the pure view model (view.ts) and sends every intent to its own
 * profile. With one profile the card is the page as it always was (same ids, no heading); with
 * several each card has its profile's name as heading and ids of its own (cardIdOf).
 */
import type { LogLine, ProfileChoice, RendererApi } from '../shared/api.js';
import type { Intent, IntentResult } from '../shared/intents.js';
import type { AppSnapshot } from '../shared/snapshot.js';
import { LOGIN_PAGE_WORDS } from '../shared/state-words.js';
import { el, setText } from './dom.js';
import { createLogView, MAX_LOG_LINES } from './log-view.js';
import { cardIdOf, isNewer, viewOf, type ButtonModel, type Shell, type ViewModel } from './view.js';

export interface CardOptions {
  /** The profile's name, as its snapshots carry it. */
  readonly profile: string;
  /** The card's place on the page (0 first). */
  readonly index: number;
  /** Several profiles: a heading and ids of its own; one: the page as before profiles. */
  readonly several: boolean;
  readonly api: RendererApi;
  readonly shell: Shell;
}

export interface Card {
  readonly profile: string;
  readonly element: HTMLElement;
  /** The snapshot on the card, or null before the first. */
  current(): AppSnapshot | null;
  /** Draw `snapshot` if it is newer than the one shown. */
  accept(snapshot: AppSnapshot): void;
  /** Redraw (relative times move on between snapshots). */
  draw(): void;
  /** New log lines (pushed); held until the backlog is in, so that they do not hide it as older. */
  appendLog(lines: readonly LogLine[]): void;
  /** The lines kept so far (pulled once, when the card is made): shown first, then the held pushes. */
  fillLog(backlog: readonly LogLine[]): void;
  /** Show the answer to something done on this profile's behalf (e.g. a preference). */
  report(result: IntentResult): void;
}

function drawButton(button: HTMLButtonElement, model: ButtonModel): void {
  button.hidden = !model.visible;
  button.disabled = !model.enabled;
}

/** Build one profile's card; nothing is shown until its first snapshot is accepted. */
export function createCard(options: CardOptions): Card {
  const { api, profile, several, shell } = options;
  const idOf = cardIdOf(several, options.index);
  // With one profile the calls name none (the first), exactly as before profiles.
  const to: ProfileChoice | undefined = several ? { profile } : undefined;
  const send = (intent: Intent): Promise<IntentResult> => api.send(intent, to);
  let current: AppSnapshot | null = null;

  /** The attributes of an element tests and labels find: its id on this card, and its role on every card. */
  const named = (role: string, more: Record<string, string> = {}): Record<string, string> => ({ id: idOf(role), 'data-role': role, ...more });
  const actionButton = (role: string, label: string, className = ''): HTMLButtonElement => el('button', { text: label, className, attrs: named(role, { type: 'button' }) });
  const field = (label: string, role: string): { row: HTMLElement; value: HTMLElement } => {
    const value = el('dd', { attrs: named(role) });
    return { row: el('div', { className: 'field' }, [el('dt', { text: label }), value]), value };
  };

  // ---- elements (built once) -----------------------------------------------------------------

  const badgeLabel = el('span', { className: 'badge-label', attrs: named('state-label') });
  const badge = el('span', { className: 'badge', attrs: named('state-badge') }, [el('span', { className: 'dot', attrs: { 'aria-hidden': 'true' } }), badgeLabel]);
  const reason = el('p', { className: 'reason', attrs: named('state-reason') });
  const identity = el('p', { className: 'identity muted', attrs: named('identity') });
  const refresh = el('button', { className: 'small', text: 'Check now', attrs: named('refresh', { type: 'button', title: 'Ask the gateway for the session state now' }) });
  const status = el('section', { className: 'status', attrs: { 'aria-label': several ? `${profile}: session state` : 'Session state' } }, [
    el('div', { className: 'status-head' }, [el('div', { attrs: { 'aria-live': 'polite' } }, [badge]), refresh]),
    reason,
    identity,
  ]);

  // First run: the folder form is also reused later by "Change folder…".
  const folderInput = el('input', {
    attrs: named('folder-input', { type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: '/home/you/clientportal.gw' }),
  });
  const folderUse = actionButton('folder-use', 'Use this folder', 'primary');
  folderUse.type = 'submit';
  const folderBrowse = actionButton('folder-browse', 'Choose…');
  folderBrowse.hidden = shell !== 'electron';
  const folderForm = el('form', { className: 'folder-form', attrs: named('folder-form') }, [
    el('label', { text: 'Gateway folder', attrs: { for: idOf('folder-input') } }),
    el('div', { className: 'row' }, [folderInput, folderUse, folderBrowse]),
  ]);
  // Downloads the engine does (issue 15): the gateway on the first run, Java when none was found.
  const downloadGateway = actionButton('download-gateway', 'Download the gateway', 'primary');
  const setupDownload = el('div', { className: 'row setup-download' }, [downloadGateway, el('span', { className: 'muted', text: 'or choose the folder you unzipped:' })]);
  const installTitleText = el('h2', { attrs: named('install-title') });
  const installBar = el('progress', { attrs: named('install-bar', { 'aria-labelledby': idOf('install-title') }) });
  const installAmount = el('span', { className: 'muted', attrs: named('install-amount') });
  const cancelInstall = actionButton('cancel-install', 'Cancel');
  const installPanel = el('section', { className: 'panel install', attrs: named('install', { 'aria-labelledby': idOf('install-title'), 'aria-live': 'polite' }) }, [
    installTitleText,
    el('div', { className: 'row install-row' }, [installBar, installAmount, cancelInstall]),
  ]);
  const javaTodo = el('p', { attrs: named('java-todo') });
  const downloadJava = actionButton('download-java', 'Download Java for the gateway', 'primary');
  const javaPanel = el('section', { className: 'panel java', attrs: named('java', { 'aria-label': 'Java' }) }, [javaTodo, el('div', { className: 'actions' }, [downloadJava])]);

  const setupSteps = el('ol', { className: 'steps' });
  const setupLink = el('a', { attrs: named('download-link', { target: '_blank', rel: 'noopener noreferrer' }) });
  const setupTitle = el('h2', { attrs: named('setup-title') });
  const setup = el('section', { className: 'panel setup', attrs: named('setup', { 'aria-labelledby': idOf('setup-title') }) }, [
    setupTitle,
    setupSteps,
    el('p', { className: 'muted' }, [document.createTextNode('Download page: '), setupLink]),
  ]);

  const account = el('select', { attrs: named('account') });
  const accountRow = el('div', { className: 'account-row' }, [el('label', { text: 'Account', attrs: { for: idOf('account') } }), account]);
  const logIn = actionButton('log-in', 'Log in', 'primary');
  const cancelLogin = actionButton('cancel-login', 'Cancel login');
  const logOut = actionButton('log-out', 'Log out');
  const takeOver = actionButton('take-over', 'Take over', 'primary');
  const retry = actionButton('retry', 'Retry', 'primary');
  const keepalive = field('Last keepalive', 'keepalive');
  const ssoExpiry = field('SSO expires', 'sso-expiry');
  const nextReset = field('Nightly reset', 'next-reset');
  const times = el('dl', { className: 'fields' }, [keepalive.row, ssoExpiry.row, nextReset.row]);
  const session = el('section', { className: 'panel session', attrs: { 'aria-label': 'Session' } }, [
    accountRow,
    el('div', { className: 'actions' }, [logIn, cancelLogin, logOut, takeOver, retry]),
    times,
  ]);

  const gwStatus = field('Status', 'gateway-status');
  const gwPort = field('Port', 'gateway-port');
  const gwPid = field('PID', 'gateway-pid');
  const gwFolder = field('Folder', 'gateway-folder');
  const gwUrl = field('Address', 'gateway-url');
  const startGateway = actionButton('start-gateway', 'Start');
  const stopGateway = actionButton('stop-gateway', 'Stop');
  const changeFolder = actionButton('change-folder', 'Change folder…');
  const gatewayFolderSlot = el('div', { className: 'folder-slot' });
  const gateway = el('section', { className: 'panel gateway', attrs: { 'aria-labelledby': idOf('gateway-title') } }, [
    el('div', { className: 'panel-head' }, [el('h2', { text: 'Gateway', attrs: named('gateway-title') })]),
    el('dl', { className: 'fields' }, [gwStatus.row, gwPort.row, gwPid.row, gwFolder.row, gwUrl.row]),
    el('div', { className: 'actions' }, [startGateway, stopGateway, changeFolder]),
    gatewayFolderSlot,
  ]);

  // Where to log in while a login is under way (the view model's loginHint): the gateway's page as a link.
  const loginLink = el('a', { attrs: named('login-link', { target: '_blank', rel: 'noopener noreferrer' }) });
  const loginHintWords = el('span');
  const loginHint = el('p', { className: 'login-hint', attrs: named('login-hint') }, [loginHintWords, document.createTextNode(' '), loginLink]);

  const noticeList = el('ul', { className: 'notices', attrs: named('notices', { 'aria-label': 'Notices' }) });
  const message = el('p', { className: 'message', attrs: named('message', { role: 'status' }) });
  const logView = createLogView(idOf);
  /** Pushed log lines that came before the backlog (null once it is in). */
  let held: LogLine[] | null = [];

  const parts = [status, loginHint, message, installPanel, javaPanel, setup, noticeList, session, gateway, logView.element];
  // One profile: the parts sit in the page as they always did (the card box has display: contents).
  const heading = several ? [el('h1', { className: 'card-title', text: profile, attrs: named('card-title') })] : [];
  const element = el('section', { className: several ? 'card framed' : 'card', attrs: { 'data-profile': profile, ...(several ? { 'aria-labelledby': idOf('card-title') } : {}) } }, [
    ...heading,
    ...parts,
  ]);

  // ---- drawing -------------------------------------------------------------------------------

  function drawAccounts(vm: ViewModel): void {
    const wanted = vm.accounts.options.map((o) => `${o.value}\u0000${o.label}`).join('\u0001');
    if (account.dataset['options'] !== wanted) {
      account.replaceChildren(...vm.accounts.options.map((o) => el('option', { text: o.label, attrs: { value: o.value } })));
      if (vm.accounts.options.length === 0) account.append(el('option', { text: 'No accounts yet', attrs: { value: '' } }));
      account.dataset['options'] = wanted;
    }
    account.value = vm.accounts.selected ?? account.options[0]?.value ?? '';
    account.disabled = !vm.accounts.enabled;
    accountRow.hidden = !vm.accounts.visible;
  }

  function drawLoginHint(vm: ViewModel): void {
    const hint = vm.loginHint;
    loginHint.hidden = hint === null;
    if (hint !== null) {
      setText(loginHintWords, hint.text);
      loginLink.href = hint.url;
      setText(loginLink, hint.url);
    }
    // The answer to the click says the same as the hint: once is enough.
    message.hidden = hint !== null && (message.textContent ?? '').startsWith(LOGIN_PAGE_WORDS);
  }

  function drawNotices(vm: ViewModel): void {
    const key = vm.notices.map((n) => `${n.at}|${n.level}|${n.text}`).join('\n');
    if (noticeList.dataset['key'] === key) return;
    noticeList.dataset['key'] = key;
    noticeList.replaceChildren(...vm.notices.map((n) => el('li', { className: `notice notice-${n.level}`, text: n.text })));
    noticeList.hidden = vm.notices.length === 0;
  }

  function drawSetup(vm: ViewModel): void {
    setup.hidden = vm.setup === null;
    if (vm.setup !== null) {
      setText(setupTitle, vm.setup.title);
      if (setupSteps.childElementCount !== vm.setup.steps.length) {
        setupSteps.replaceChildren(...vm.setup.steps.map((step) => el('li', { text: step })));
      }
      setupLink.href = vm.setup.downloadUrl;
      setText(setupLink, vm.setup.downloadUrl);
      if (setupDownload.parentElement !== setup) setup.append(setupDownload);
      if (folderForm.parentElement !== setup) setup.append(folderForm);
    } else if (folderForm.parentElement === setup) {
      folderForm.remove();
    }
    // Without a running gateway or a folder there is nothing else to show yet.
    session.hidden = vm.setup !== null;
    gateway.hidden = vm.setup !== null;
  }

  function drawInstall(vm: ViewModel): void {
    const { install } = vm;
    drawButton(downloadGateway, install.downloadGateway);
    javaPanel.hidden = install.javaTodo === null;
    setText(javaTodo, install.javaTodo ?? '');
    drawButton(downloadJava, install.downloadJava);
    drawButton(cancelInstall, install.cancel);
    const progress = install.progress;
    installPanel.hidden = progress === null;
    if (progress === null) return;
    setText(installTitleText, progress.title);
    setText(installAmount, progress.amount);
    // Without a value a <progress> is indeterminate: a size not known yet, or unpacking.
    if (progress.value === null || progress.max === null) {
      installBar.removeAttribute('value');
      installBar.removeAttribute('max');
    } else {
      installBar.max = progress.max;
      installBar.value = progress.value;
    }
  }

  function draw(): void {
    if (current === null) return;
    const vm = viewOf(current, Date.now(), shell);
    // Which snapshot is on the card: lets tests (and anyone debugging) tell a drawn push from a pending one.
    element.dataset['seq'] = String(vm.seq);
    element.dataset['tone'] = vm.tone;
    status.className = `status tone-${vm.tone}`;
    setText(badgeLabel, vm.stateLabel);
    setText(reason, vm.reason);
    identity.hidden = vm.identity === null;
    setText(identity, vm.identity ?? '');
    drawLoginHint(vm);
    drawSetup(vm);
    drawInstall(vm);
    drawAccounts(vm);
    drawButton(logIn, vm.buttons.logIn);
    drawButton(cancelLogin, vm.buttons.cancelLogin);
    drawButton(logOut, vm.buttons.logOut);
    drawButton(takeOver, vm.buttons.takeOver);
    drawButton(retry, vm.buttons.retry);
    drawButton(startGateway, vm.buttons.startGateway);
    drawButton(stopGateway, vm.buttons.stopGateway);
    drawButton(refresh, vm.buttons.refresh);
    times.hidden = !vm.timesVisible;
    setText(keepalive.value, vm.times.keepalive);
    keepalive.value.classList.toggle('warn', vm.keepaliveFailing);
    setText(ssoExpiry.value, vm.times.ssoExpiry);
    setText(nextReset.value, vm.times.nextReset);
    setText(gwStatus.value, vm.gateway.status);
    setText(gwPort.value, vm.gateway.port);
    setText(gwPid.value, vm.gateway.pid);
    setText(gwFolder.value, vm.gateway.folder);
    setText(gwUrl.value, vm.gateway.url);
    drawNotices(vm);
  }

  // ---- actions -------------------------------------------------------------------------------

  /** The state in which the message under the badge was written. */
  let messageState: string | null = null;

  function report(result: IntentResult): void {
    messageState = current?.state ?? null;
    message.className = result.ok ? 'message ok' : 'message error';
    setText(message, result.ok ? (result.message ?? '') : result.reason);
  }

  function accept(snapshot: AppSnapshot): void {
    if (!isNewer(current, snapshot)) return;
    // An answer to a click belongs to the state it was given in: once the state moves on, it goes.
    if (messageState !== null && snapshot.state !== messageState) {
      messageState = null;
      setText(message, '');
    }
    current = snapshot;
    draw();
  }

  async function run(button: HTMLButtonElement | null, work: () => Promise<IntentResult>): Promise<void> {
    if (button !== null) button.disabled = true;
    try {
      report(await work());
    } catch (error) {
      report({ ok: false, reason: error instanceof Error ? error.message : String(error) });
    } finally {
      draw(); // the snapshot, not this click, decides what is enabled
    }
  }

  function onClick(button: HTMLButtonElement, intent: Intent): void {
    button.addEventListener('click', () => void run(button, () => send(intent)));
  }

  logIn.addEventListener('click', () => {
    // In a browser the engine cannot show the gateway's login page on this machine (it may be headless):
    // open it here, synchronously inside the click so the popup is allowed, besides sending the intent.
    if (shell === 'web' && current !== null) window.open(current.gateway.url, '_blank', 'noopener');
    void run(logIn, () => send({ type: 'log-in' }));
  });
  loginLink.addEventListener('click', (event) => {
    // In the tray app the login page belongs in its own login window, which accepts the gateway's
    // pinned certificate: "Log in" brings it back. (The link itself, opened any other way, goes through
    // the window's rules for external links: the system browser, for plain http(s) only.) In a browser
    // the link opens the gateway's page in a new tab, as a link does.
    if (shell !== 'electron') return;
    event.preventDefault();
    void run(null, () => send({ type: 'log-in' }));
  });
  onClick(cancelLogin, { type: 'cancel-login' });
  onClick(logOut, { type: 'log-out' });
  onClick(takeOver, { type: 'take-over' });
  onClick(retry, { type: 'retry' });
  onClick(startGateway, { type: 'start-gateway' });
  onClick(stopGateway, { type: 'stop-gateway' });
  onClick(refresh, { type: 'refresh' });
  onClick(downloadGateway, { type: 'install-gateway' });
  onClick(downloadJava, { type: 'install-java' });
  onClick(cancelInstall, { type: 'cancel-install' });

  account.addEventListener('change', () => {
    const accountId = account.value;
    if (accountId === '' || accountId === current?.selectedAccount) return;
    void run(null, () => send({ type: 'select-account', accountId }));
  });

  folderForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void run(folderUse, async () => {
      const result = await api.chooseGatewayFolder(folderInput.value, to);
      if (result.ok && folderForm.parentElement === gatewayFolderSlot) folderForm.remove();
      return result;
    });
  });
  folderBrowse.addEventListener('click', () => void run(folderBrowse, () => api.chooseGatewayFolder(undefined, to)));
  changeFolder.addEventListener('click', () => {
    if (folderForm.parentElement === gatewayFolderSlot) {
      folderForm.remove();
      return;
    }
    folderInput.value = current?.gateway.folder ?? '';
    gatewayFolderSlot.append(folderForm);
    folderInput.focus();
  });

  return {
    profile,
    element,
    current: () => current,
    accept,
    draw,
    appendLog: (lines) => {
      if (held === null) logView.append(lines);
      else held = [...held, ...lines].slice(-MAX_LOG_LINES);
    },
    fillLog: (backlog) => {
      if (held === null) return;
      logView.append(backlog);
      logView.append(held);
      held = null;
    },
    report,
  };
}
