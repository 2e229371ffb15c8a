/**
 * An item of a Webset (the spec's `WebsetItem`): a company, person, article, research paper or custom entity found by
 * a search or loaded by an import, with its criteria evaluations and enrichment results; the `data` of the
 * `webset.item.created` and `webset.item.enriched` events.
 *
 * @since 0.4.0
 */
import { Schema } from "effect"
import { NullableString, Num, open, Timestamp } from "./internal/resource.ts"
import { EnrichmentFormat } from "./Webset.ts"

/**
 * A source an evaluation or an enrichment cites.
 *
 * @category schemas
 * @since 0.4.0
 */
export const Reference = open({ title: NullableString, snippet: NullableString, url: Schema.String })

// The fields of an article, a research paper and a custom item's page.
const publication = open({ title: NullableString, author: NullableString, publishedAt: NullableString })

/**
 * A person found (`WebsetItemPersonProperties`).
 *
 * @category schemas
 * @since 0.4.0
 */
export const PersonProperties = open({
  type: Schema.Literal("person"),
  url: Schema.String,
  description: Schema.String,
  person: open({
    name: Schema.String,
    location: NullableString,
    position: NullableString,
    company: Schema.NullOr(open({ name: Schema.String, location: NullableString })),
    pictureUrl: NullableString
  })
})

/**
 * A company found (`WebsetItemCompanyProperties`).
 *
 * @category schemas
 * @since 0.4.0
 */
export const CompanyProperties = open({
  type: Schema.Literal("company"),
  url: Schema.String,
  description: Schema.String,
  content: NullableString,
  company: open({
    name: Schema.String,
    location: NullableString,
    employees: Schema.NullOr(Num),
    industry: NullableString,
    about: NullableString,
    logoUrl: NullableString
  })
})

/**
 * An article found (`WebsetItemArticleProperties`).
 *
 * @category schemas
 * @since 0.4.0
 */
export const ArticleProperties = open({
  type: Schema.Literal("article"),
  url: Schema.String,
  description: Schema.String,
  content: NullableString,
  article: publication
})

/**
 * A research paper found (`WebsetItemResearchPaperProperties`).
 *
 * @category schemas
 * @since 0.4.0
 */
export const ResearchPaperProperties = open({
  type: Schema.Literal("research_paper"),
  url: Schema.String,
  description: Schema.String,
  content: NullableString,
  researchPaper: publication
})

/**
 * A page of a custom entity found (`WebsetItemCustomProperties`).
 *
 * @category schemas
 * @since 0.4.0
 */
export const CustomProperties = open({
  type: Schema.Literal("custom"),
  url: Schema.String,
  description: Schema.String,
  content: NullableString,
  custom: publication
})

/**
 * What was found, by entity type.
 *
 * @category schemas
 * @since 0.4.0
 */
export const Properties = Schema.Union([
  PersonProperties,
  CompanyProperties,
  ArticleProperties,
  ResearchPaperProperties,
  CustomProperties
])

/**
 * How an item meets one criterion of its search (`WebsetItemEvaluation`).
 *
 * @category schemas
 * @since 0.4.0
 */
export const Evaluation = open({
  criterion: Schema.String,
  reasoning: Schema.String,
  satisfied: Schema.Literals(["yes", "no", "unclear"]),
  references: Schema.optionalKey(Schema.Array(Reference))
})

/**
 * The result of one enrichment for an item (`EnrichmentResult`).
 *
 * @category schemas
 * @since 0.4.0
 */
export const EnrichmentResult = open({
  object: Schema.Literal("enrichment_result"),
  status: Schema.Literals(["pending", "completed", "canceled"]),
  format: EnrichmentFormat,
  result: Schema.NullOr(Schema.Array(Schema.String)),
  reasoning: NullableString,
  references: Schema.Array(Reference),
  enrichmentId: Schema.String
})

/**
 * An item of a Webset.
 *
 * @category schemas
 * @since 0.4.0
 */
export const WebsetItem = open({
  id: Schema.String,
  object: Schema.Literal("webset_item"),
  source: Schema.Literals(["search", "import"]),
  sourceId: Schema.String,
  websetId: Schema.String,
  properties: Properties,
  evaluations: Schema.Array(Evaluation),
  enrichments: Schema.NullOr(Schema.Array(EnrichmentResult)),
  createdAt: Timestamp,
  updatedAt: Timestamp
})

/**
 * @category models
 * @since 0.4.0
 */
export type WebsetItem = typeof WebsetItem.Type
