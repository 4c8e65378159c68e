import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/print-ansible-version.ts', 'test/helpers/state-home.ts'],
    // Integration tests run real ansible-playbook processes: two cores, keep it to two at a time.
    maxWorkers: 2,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
