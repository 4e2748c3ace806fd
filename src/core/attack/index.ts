/** Attacker search: per defense, the worst harmful score within a budget of fine-tuning settings. */
export * from './space';
export * from './proposer';
export * from './spec';
export * from './run';
export * from './board';
export * from './presets';
