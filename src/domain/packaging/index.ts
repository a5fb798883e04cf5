// Packaging a video for HLS: which renditions to encode, reading and writing playlists, the integrity
// manifest (a SHA-256 per segment) that lets a player distrust every peer, and the stills (poster, storyboard).
// Pure functions; callers do the I/O.
export * from './assemble';
export * from './ladder';
export * from './manifest';
export * from './paths';
export * from './playlist';
export * from './storyboard';
