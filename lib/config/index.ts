export * from './capacity';
export * from './environment';
export * from './errors';
export * from './load';
export * from './profile';
export * from './schema';
export * from './types';
export * from './validate';
