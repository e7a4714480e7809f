export * from './client';
export * from './data-dir-lock';
export * from './ledger';
export * from './pagination';
export * as schema from './schema';
export * from './schema';
export * from './seed';
export * from './verify';
