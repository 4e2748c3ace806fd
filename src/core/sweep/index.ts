/** Sweeps: a base config and a grid over config fields or named variants, run into a leaderboard. */
export * from './spec';
export * from './aggregate';
export * from './leaderboard';
export * from './presets';
export * from './run';
export * from './tradeoff';
