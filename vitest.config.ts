import { defineConfig } from "vitest/config";

// One vitest project per package (vitest 3.2 `test.projects`), plus examples/ (the lessons' doc check); `pnpm test` runs them all.
export default defineConfig({
  test: {
    projects: ["packages/*", "examples"],
  },
});
