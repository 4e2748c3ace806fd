export * from './adamw';
export * from './batching';
export * from './schedule';
export * from './trainer';
export * from './sft';
export * from './tokenize';
