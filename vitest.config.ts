import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // The JSON results let CI print a plain "N passed, N failed" line.
    reporters: ["default", ["json", { outputFile: "dist/test-results.json" }]],
  },
});
