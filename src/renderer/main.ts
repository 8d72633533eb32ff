// Placeholder until the window-and-dashboard issue lands: the page renders snapshots only.
import { SESSION_KINDS } from '../shared/snapshot.js';
document.body.textContent = `IBKR Tray (${SESSION_KINDS.length} states)`;
