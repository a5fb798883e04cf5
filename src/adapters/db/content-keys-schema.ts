// Content keys of encrypted (paid or private) videos. The key never leaves the server except through the
// key route, to a caller holding a valid playback token: R2, IPFS, peers and the manifest carry ciphertext.
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { videos } from './schema';

export const videoKeys = sqliteTable('video_keys', {
  videoId: text('video_id')
    .primaryKey()
    .references(() => videos.id, { onDelete: 'cascade' }),
  // The 16-byte AES-128 content key, wrapped (AES-GCM) with the deployment's key-wrapping secret; base64url.
  wrappedKey: text('wrapped_key').notNull(),
  createdAt: integer('created_at').notNull(),
});
