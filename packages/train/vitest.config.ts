import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["source"] },
  test: { name: "train", include: ["test/**/*.test.ts"], testTimeout: 60_000 },
});
