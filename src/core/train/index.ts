export * from './adamw';
export * from './batching';
export * from './schedule';
export * from './trainer';
export * from './loop';
export * from './tokenize';
export * from './accumulate';
export * from './microBatch';
