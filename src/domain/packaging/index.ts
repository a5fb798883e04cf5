// Packaging a video for HLS: which renditions to encode, reading and writing playlists, and the integrity
// manifest (a SHA-256 per segment) that lets a player distrust every peer. Pure functions; callers do the I/O.
export * from './ladder';
export * from './manifest';
export * from './playlist';
