export * from './adamw';
export * from './batching';
export * from './schedule';
export * from './trainer';
export * from './sft';
export * from './tokenize';
export * from './accumulate';
export * from './microBatch';
