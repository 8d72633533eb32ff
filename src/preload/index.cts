// Placeholder until the window-and-dashboard issue lands. A sandboxed preload can only require('electron').
import type { RendererApi } from '../shared/api.js';
export type Api = RendererApi;
