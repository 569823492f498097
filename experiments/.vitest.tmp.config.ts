import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { root: '/work/main', include: ['experiments/**/*.test.ts'], exclude: ['**/*.int.test.ts', 'node_modules/**'] } });
