import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (pure logic, *.test.ts next to the code) and `integration`
 * (*.int.test.ts against one real stack in containers, started once by test/global-setup.ts).
 * If no Docker engine can be made available, the integration project fails; it never skips.
 */
// The AWS SDK warns on every client that it will need Node 22 in 2027; the README says so once.
// Test workers and the CLI processes tests spawn inherit it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{bin,cli,containers,experiments,lib,reports,runner,scenarios,simulator,system}/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', 'node_modules/**'],
          testTimeout: 30_000,
          // Unit tests first, alone: run beside the integration tests, their CPU-heavy simulations
          // made the load generator late (send lag p99 > 10 ms) and voided verdict tests' repeats.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{bin,cli,containers,experiments,lib,reports,runner,scenarios,simulator,system,test}/**/*.int.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          sequence: { groupOrder: 1 },
          // One file at a time: they share one stack and some start small stacks of their own.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
