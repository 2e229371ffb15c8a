import { defineConfig, mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.ts"

// Most tests spawn the built bin several times against an in-process mock: one file at a time keeps them from
// starving each other (and the mock) of CPU on a small or shared machine, and each test gets a generous timeout.
export default mergeConfig(shared, defineConfig({ test: { fileParallelism: false, testTimeout: 180_000 } }))
