/** Shards of sweeps and searches, their manifests, and the merge of their results files. */
export * from './plan';
export * from './cost';
export * from './sweep';
export * from './attack';
export * from './manifest';
export * from './merge';
export * from './bundle';
export * from './workshop';
