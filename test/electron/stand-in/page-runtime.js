// Runs in every page of the stand-in before the page's own scripts (Playwright init script), the way
// Chromium-level behaviour does in Electron:
//  - permission-gated APIs (clipboard write, notifications, geolocation, media) ask the window's
//    session handler in main, as Electron's setPermissionRequestHandler is asked;
//  - window.open and target=_blank links ask the web contents' setWindowOpenHandler;
//  - in the main frame of a window that has a preload, the preload runs with the sandboxed preload's
//    require('electron') (contextBridge, ipcRenderer) carrying IPC to main's ipcMain.
// Plain JS on purpose: it is injected as text, so nothing a compiler adds may leak into it.
/* global __STAND_IN_PRELOAD__, __STAND_IN_PLATFORM__ */
(function standInPageRuntime(preload, platform) {
  'use strict';
  const w = window;
  const ask = (permission, detail) => w.__standInPermission(permission, detail === undefined ? null : detail);

  if (navigator.clipboard) {
    const writeText = (text) =>
      ask('clipboard-sanitized-write', String(text)).then((granted) => {
        if (!granted) throw new DOMException('Write permission denied.', 'NotAllowedError');
      });
    Object.defineProperty(navigator.clipboard, 'writeText', { value: writeText, configurable: true });
  }
  if (typeof w.Notification === 'function') {
    w.Notification.requestPermission = () => ask('notifications').then((granted) => (granted ? 'granted' : 'denied'));
  }
  if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition = (ok, fail) => {
      ask('geolocation').then(() => fail && fail({ code: 1, message: 'User denied Geolocation' }));
    };
  }
  if (navigator.mediaDevices) {
    navigator.mediaDevices.getUserMedia = () =>
      ask('media').then(() => {
        throw new DOMException('Permission denied', 'NotAllowedError');
      });
  }
  const open = (url, target, features) => {
    w.__standInWindowOpen(new URL(String(url), location.href).href, String(target || ''), String(features || ''));
    return null;
  };
  w.open = open;
  // A link's default action, as Chromium takes it: after the page's own handlers (so on the way back
  // up, at the window), and not at all when one of them called preventDefault().
  w.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a[target="_blank"]') : null;
    if (!link || event.defaultPrevented) return;
    event.preventDefault();
    open(link.href, '_blank', '');
  });

  if (preload === null || w !== w.top) return;

  const listeners = new Map();
  const ipcRenderer = {
    invoke(channel, ...args) {
      return w.__standInInvoke(channel, args).then((answer) => {
        if ('error' in answer) throw new Error(`Error invoking remote method '${channel}': ${answer.error}`);
        return answer.value;
      });
    },
    send(channel, ...args) {
      void w.__standInSend(channel, args);
    },
    on(channel, listener) {
      if (!listeners.has(channel)) listeners.set(channel, []);
      listeners.get(channel).push(listener);
      return ipcRenderer;
    },
    removeListener(channel, listener) {
      const list = listeners.get(channel) || [];
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
      return ipcRenderer;
    },
    removeAllListeners(channel) {
      listeners.delete(channel);
      return ipcRenderer;
    },
  };
  Object.defineProperty(w, '__standInDeliver', {
    value: (channel, args) => {
      for (const listener of [...(listeners.get(channel) || [])]) listener({ sender: ipcRenderer, ports: [] }, ...args);
    },
  });
  const contextBridge = {
    exposeInMainWorld(key, api) {
      // Electron copies the object into the page's world; the page can neither change nor replace it.
      Object.defineProperty(w, key, { value: Object.freeze({ ...api }), enumerable: true, writable: false, configurable: false });
    },
  };
  const sandboxedModules = { electron: { contextBridge, ipcRenderer } };
  const require = (name) => {
    if (Object.prototype.hasOwnProperty.call(sandboxedModules, name)) return sandboxedModules[name];
    throw new Error(`module not found: ${name}`);
  };
  const module = { exports: {} };
  try {
    preload(require, module, module.exports, { platform, type: 'renderer', sandboxed: true });
  } catch (error) {
    void w.__standInPreloadError(String(error && error.stack ? error.stack : error));
  }
})(__STAND_IN_PRELOAD__, __STAND_IN_PLATFORM__);
