/** The CLI's exit statuses (the "CLI" contract in ARCHITECTURE.md). */
export const EXIT_OK = 0;
/** A run (or a run of a sweep) failed. */
export const EXIT_FAILED = 1;
/** Bad input: arguments, a config or a sweep. */
export const EXIT_BAD_INPUT = 2;
