// `chatapi-contract/client`: the typed client is its own package, @chatapi-contract/client (which a
// front end installs alone); the toolkit re-exports it so that one import path works in both.
export * from '@chatapi-contract/client';
