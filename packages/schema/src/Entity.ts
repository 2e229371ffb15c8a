/**
 * The kind of thing a Webset search, import or monitor looks for (the spec's `Entity`): a company, a person, an
 * article, a research paper, or a custom entity described in words.
 *
 * @since 0.4.0
 */
import { Schema } from "effect"
import { open } from "./internal/resource.ts"

/**
 * `{ "type": "company" }` (`CompanyEntity`).
 *
 * @category schemas
 * @since 0.4.0
 */
export const CompanyEntity = open({ type: Schema.Literal("company") })

/**
 * `{ "type": "person" }` (`PersonEntity`).
 *
 * @category schemas
 * @since 0.4.0
 */
export const PersonEntity = open({ type: Schema.Literal("person") })

/**
 * `{ "type": "article" }` (`ArticleEntity`).
 *
 * @category schemas
 * @since 0.4.0
 */
export const ArticleEntity = open({ type: Schema.Literal("article") })

/**
 * `{ "type": "research_paper" }` (`ResearchPaperEntity`).
 *
 * @category schemas
 * @since 0.4.0
 */
export const ResearchPaperEntity = open({ type: Schema.Literal("research_paper") })

/**
 * `{ "type": "custom", "description": "..." }` (`CustomEntity`): an entity described in words.
 *
 * @category schemas
 * @since 0.4.0
 */
export const CustomEntity = open({ type: Schema.Literal("custom"), description: Schema.String })

/**
 * Any of the five.
 *
 * @category schemas
 * @since 0.4.0
 */
export const Entity = Schema.Union([CompanyEntity, PersonEntity, ArticleEntity, ResearchPaperEntity, CustomEntity])

/**
 * @category models
 * @since 0.4.0
 */
export type Entity = typeof Entity.Type
