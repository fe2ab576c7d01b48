export * from './credentials';
export * from './pdf';
export * from './workflow';
export * from './credential-test';
export * from './oauth2';
