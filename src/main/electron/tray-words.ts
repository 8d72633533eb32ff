/**
 * The words the tray uses for states and accounts, shared by the menu, the tooltip and notifications.
 * They live in src/shared so the status page says exactly the same.
 */
export { accountLabel, accountLabelOf, stateTitle } from '../../shared/state-words.js';
