/**
 * `exa-webhooks --help` (of every command) is printed by the bin's guard from pages the build rendered with the bundle
 * itself (scripts/help-pages.mjs), without loading the bundle; these check that every page is what the bundle prints.
 */
import { fileURLToPath } from "node:url"
import { describeHelpPages } from "../../../scripts/help-pages-check.ts"

describeHelpPages(fileURLToPath(new URL("..", import.meta.url)), "exa-webhooks")
