// RFC 9421 HTTP Message Signatures and RFC 9530 Content-Digest: pure, no proxy knowledge.
export * from './algorithms.js';
export * from './components.js';
export * from './digest.js';
export * from './errors.js';
export * from './fields.js';
export * from './keys.js';
export * from './message.js';
export * from './sign.js';
