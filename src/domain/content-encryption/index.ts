// Content encryption of paid and private videos (HLS AES-128): segment cipher and IVs, key wrapping at rest,
// and which videos must be encrypted. Pure functions over WebCrypto; callers do the I/O.
export * from './encrypt-package';
export * from './key-wrap';
export * from './policy';
export * from './segment-cipher';
