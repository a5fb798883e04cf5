import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes SQL migrations that `wrangler d1 migrations apply` understands.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/adapters/db/schema.ts',
  out: './migrations',
});
