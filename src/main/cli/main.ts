// Placeholder until the command-line issue lands.
console.log('ibkr-tray: not built yet');
