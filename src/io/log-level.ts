/** Ctrl-Q's log levels, most to least severe. Kept free of imports: the option parser reads it at start-up. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'verbose', 'debug', 'silly'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
