export * from './phone-mask';
export * from './providers';
export * from './queue';
