import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { root: '/work/main', include: ['experiments/**/*.int.test.ts', 'system/data/ids.int.test.ts'], globalSetup: ['test/global-setup.ts'], pool: 'forks', poolOptions: { forks: { singleFork: true } }, testTimeout: 300_000, hookTimeout: 600_000 } });
