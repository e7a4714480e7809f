export * from './audit';
export * from './customers';
export * from './enums';
export * from './holds';
export * from './ledger';
export * from './limits';
export * from './outbox';
