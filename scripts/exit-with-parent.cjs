// Preloaded into every Directus the scripts start: when the process that started it goes away
// (its IPC channel closes: a test worker ended or crashed), the host goes too instead of
// lingering with its port and database.
if (process.send) process.on('disconnect', () => process.exit(0));
