export * from './cluster';
export * from './errors';
export * from './identity';
export * from './load';
export * from './profile';
export * from './types';
export * from './validate';
