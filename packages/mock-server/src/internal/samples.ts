/**
 * Realistic `data` for every event type: the Webset, WebsetSearch, WebsetItem, Import, Monitor or MonitorRun (as JSON,
 * the way Exa sends it) that an event of that type carries, true to the spec's shapes (`Event.TypedEvent` of
 * `@exa-webhooks/schema` decodes every one of them; a test checks it). The `webset.export.*` events have no resource in
 * the spec; their `data` is an export object of this mock's own invention (`object: "webset_export"`).
 *
 * A {@link Story} is one Webset's life, with consistent ids: created, searched, items found and enriched, an import, a
 * monitor and its run, an export, a second search canceled, paused, deleted. {@link stories} plays stories one after
 * another: every event type appears in each story, in an order a real Webset could produce; simulated activity
 * (`simulate`) emits them. `POST /_mock/events` without `data` takes the data of one event of a fresh story.
 *
 * @since 0.4.0
 */
import type { EventType } from "@exa-webhooks/schema"
import * as Ids from "./ids.ts"

type Json = Record<string, unknown>

const COMPANIES = [
  ["Northwind Robotics", "Berlin, Germany", 85, "Industrial automation"],
  ["Lumen Health", "Paris, France", 140, "Digital health"],
  ["Brightwave Analytics", "London, United Kingdom", 60, "Data infrastructure"],
  ["Kestrel Bio", "Amsterdam, Netherlands", 45, "Biotechnology"],
  ["Quillstack", "Stockholm, Sweden", 110, "Developer tools"],
  ["Ferrosun Energy", "Madrid, Spain", 190, "Renewable energy"],
  ["Orbital Ledger", "Zurich, Switzerland", 70, "Fintech"],
  ["Tessel AI", "Warsaw, Poland", 35, "Machine learning"]
] as const

const QUERIES = [
  ["AI startups in Europe that raised a Series A in the last 12 months", "raised a Series A in the last 12 months"],
  ["B2B fintech companies in Europe with 50 to 200 employees", "has 50 to 200 employees"],
  ["Climate tech companies hiring machine learning engineers", "is hiring machine learning engineers"]
] as const

const ROUNDS = ["Series A, $12M (March 2025)", "Series A, $8.5M (January 2025)", "Series A, $20M (October 2024)"] as const

const pick = <A>(random: () => number, items: ReadonlyArray<A>): A => items[Math.floor(random() * items.length)]!

/**
 * One Webset's life: its ids, what it searches for, and where it stands. Mutated as its events are emitted.
 *
 * @category models
 * @since 0.4.0
 */
export interface Story {
  readonly random: () => number
  readonly websetId: string
  readonly createdAt: string
  readonly query: string
  readonly criterion: string
  readonly enrichmentId: string
  readonly importId: string
  readonly monitorId: string
  readonly runId: string
  readonly exportId: string
  /** The search the `webset.search.*` events are about (a second one replaces the first). */
  search: { readonly id: string; readonly query: string; readonly createdAt: string; readonly behavior: string }
  /** The items found so far; `webset.item.*` events are about `items[item]`. */
  readonly items: Array<{ readonly id: string; readonly company: (typeof COMPANIES)[number]; readonly createdAt: string }>
  item: number
  importCreatedAt: string | undefined
  monitorCreatedAt: string | undefined
  runCreatedAt: string | undefined
  runCompleted: boolean
  exportCreatedAt: string | undefined
}

/**
 * A new story, begun at `now` (an ISO 8601 time).
 *
 * @category constructors
 * @since 0.4.0
 */
export const story = (random: () => number, now: string): Story => {
  const [query, criterion] = pick(random, QUERIES)
  return {
    random,
    websetId: Ids.make("webset"),
    createdAt: now,
    query,
    criterion,
    enrichmentId: Ids.make("webset_enrichment"),
    importId: Ids.make("import"),
    monitorId: Ids.make("monitor"),
    runId: Ids.make("monitor_run"),
    exportId: Ids.make("webset_export"),
    search: { id: Ids.make("webset_search"), query, createdAt: now, behavior: "override" },
    items: [],
    item: 0,
    importCreatedAt: undefined,
    monitorCreatedAt: undefined,
    runCreatedAt: undefined,
    runCompleted: false,
    exportCreatedAt: undefined
  }
}

const later = (iso: string, millis: number) => new Date(Date.parse(iso) + millis).toISOString()

const searchOf = (s: Story, status: string, now: string): Json => {
  const count = 10
  const found = status === "created" ? 0 : status === "completed" ? s.items.length : Math.max(1, s.items.length)
  const completion = status === "completed" ? 100 : status === "created" ? 0 : 40
  return {
    id: s.search.id,
    object: "webset_search",
    status,
    websetId: s.websetId,
    query: s.search.query,
    entity: { type: "company" },
    criteria: [{ description: s.criterion, successRate: status === "created" ? 0 : 35 }],
    count,
    behavior: s.search.behavior,
    exclude: [],
    scope: [],
    progress: {
      found,
      analyzed: found * 3,
      completion,
      timeLeft: status === "completed" || status === "canceled" ? 0 : status === "created" ? null : 90
    },
    recall: null,
    metadata: {},
    canceledAt: status === "canceled" ? now : null,
    canceledReason: status === "canceled" ? "webset_canceled" : null,
    createdAt: s.search.createdAt,
    updatedAt: now
  }
}

const enrichmentOf = (s: Story, status: string, now: string): Json => ({
  id: s.enrichmentId,
  object: "webset_enrichment",
  status,
  websetId: s.websetId,
  title: "Latest funding round",
  description: "The company's latest funding round, its amount and date",
  format: "text",
  options: null,
  instructions: "Find the latest funding round announced by the company; answer with its series, amount and date.",
  metadata: {},
  createdAt: s.createdAt,
  updatedAt: now
})

const importOf = (s: Story, status: string, now: string): Json => ({
  id: s.importId,
  object: "import",
  status,
  format: "csv",
  entity: { type: "company" },
  title: "Target accounts Q3",
  count: 250,
  metadata: { source: "crm-export" },
  failedReason: null,
  failedAt: null,
  failedMessage: null,
  createdAt: s.importCreatedAt ?? now,
  updatedAt: now
})

const runOf = (s: Story, status: string, now: string): Json => ({
  id: s.runId,
  object: "monitor_run",
  status,
  monitorId: s.monitorId,
  type: "search",
  completedAt: status === "completed" ? now : null,
  failedAt: null,
  failedReason: null,
  canceledAt: null,
  createdAt: s.runCreatedAt ?? now,
  updatedAt: now
})

const monitorOf = (s: Story, status: string, now: string): Json => ({
  id: s.monitorId,
  object: "monitor",
  status,
  websetId: s.websetId,
  cadence: { cron: "0 9 * * 1", timezone: "Etc/UTC" },
  behavior: {
    type: "search",
    config: {
      query: s.query,
      criteria: [{ description: s.criterion }],
      entity: { type: "company" },
      count: 10,
      behavior: "append"
    }
  },
  lastRun: s.runCreatedAt === undefined ? null : runOf(s, s.runCompleted ? "completed" : "running", now),
  nextRunAt: status === "enabled" ? later(now, 7 * 24 * 3600 * 1000) : null,
  metadata: {},
  createdAt: s.monitorCreatedAt ?? now,
  updatedAt: now
})

const exportOf = (s: Story, status: string, now: string): Json => ({
  id: s.exportId,
  object: "webset_export",
  status,
  websetId: s.websetId,
  format: "csv",
  downloadUrl: status === "completed" ? `https://exports.example.com/${s.exportId}.csv` : null,
  createdAt: s.exportCreatedAt ?? now,
  updatedAt: now
})

const websetOf = (s: Story, status: string, searchStatus: string, now: string): Json => ({
  id: s.websetId,
  object: "webset",
  status,
  externalId: null,
  title: s.query,
  searches: [searchOf(s, searchStatus, now)],
  imports: s.importCreatedAt === undefined ? [] : [importOf(s, "completed", now)],
  enrichments: [enrichmentOf(s, status === "running" ? "pending" : "completed", now)],
  monitors: s.monitorCreatedAt === undefined ? [] : [monitorOf(s, "enabled", now)],
  excludes: [],
  metadata: {},
  createdAt: s.createdAt,
  updatedAt: now
})

// The item `s.item`, found now if it is new.
const itemOf = (s: Story, enriched: boolean, now: string): Json => {
  while (s.items.length <= s.item) {
    s.items.push({ id: Ids.make("witem"), company: pick(s.random, COMPANIES), createdAt: now })
  }
  const { company: [name, location, employees, industry], createdAt, id } = s.items[s.item]!
  const domain = `${name.toLowerCase().replace(/[^a-z]+/g, "")}.example.com`
  const reference = { title: `${name} raises its Series A`, snippet: `${name} announced a new funding round.`, url: `https://news.example.com/${domain}` }
  return {
    id,
    object: "webset_item",
    source: "search",
    sourceId: s.search.id,
    websetId: s.websetId,
    properties: {
      type: "company",
      url: `https://${domain}`,
      description: `${name} (${industry}, ${location}) matches "${s.query}".`,
      content: null,
      company: { name, location, employees, industry, about: `${name} builds products for ${industry.toLowerCase()}.`, logoUrl: null }
    },
    evaluations: [{
      criterion: s.criterion,
      reasoning: `${name} announced its round in a press release.`,
      satisfied: "yes",
      references: [reference]
    }],
    enrichments: [{
      object: "enrichment_result",
      status: enriched ? "completed" : "pending",
      format: "text",
      result: enriched ? [pick(s.random, ROUNDS)] : null,
      reasoning: enriched ? "The most recent announcement found names this round." : null,
      references: enriched ? [reference] : [],
      enrichmentId: s.enrichmentId
    }],
    createdAt,
    updatedAt: now
  }
}

/**
 * The `data` of an event of `type` in story `s` at `now`; moves the story on (a monitor run created, an export
 * started, a second search, ...).
 *
 * @category samples
 * @since 0.4.0
 */
export const data = (type: EventType.EventType, s: Story, now: string): Json => {
  switch (type) {
    case "webset.created":
      return websetOf(s, "running", "created", now)
    case "webset.search.created":
      return searchOf(s, "created", now)
    case "webset.search.updated":
      return searchOf(s, "running", now)
    case "webset.item.created":
      return itemOf(s, false, now)
    case "webset.item.enriched":
      return itemOf(s, true, now)
    case "webset.search.completed":
      return searchOf(s, "completed", now)
    case "webset.idle":
      return websetOf(s, "idle", "completed", now)
    case "import.created":
      s.importCreatedAt ??= now
      return importOf(s, "pending", now)
    case "import.completed":
      return importOf(s, "completed", now)
    case "monitor.created":
      s.monitorCreatedAt ??= now
      return monitorOf(s, "enabled", now)
    case "monitor.run.created":
      s.runCreatedAt ??= now
      return runOf(s, "created", now)
    case "monitor.run.completed":
      s.runCompleted = true
      return runOf(s, "completed", now)
    case "monitor.updated":
      return monitorOf(s, "enabled", now)
    case "monitor.deleted":
      return monitorOf(s, "disabled", now)
    case "webset.export.created":
      s.exportCreatedAt ??= now
      return exportOf(s, "pending", now)
    case "webset.export.completed":
      return exportOf(s, "completed", now)
    case "webset.search.canceled":
      return searchOf(s, "canceled", now)
    case "webset.paused":
      return websetOf(s, "paused", s.search.behavior === "append" ? "canceled" : "completed", now)
    case "webset.deleted":
      return websetOf(s, "idle", s.search.behavior === "append" ? "canceled" : "completed", now)
  }
}

/**
 * Sample `data` for one event of `type`: an event of a fresh story at `now`.
 *
 * @category samples
 * @since 0.4.0
 */
export const sample = (type: EventType.EventType, random: () => number, now: string): Json =>
  data(type, story(random, now), now)

/**
 * One event to emit: its type, and its `data` once its time is known.
 *
 * @category models
 * @since 0.4.0
 */
export interface Step {
  readonly type: EventType.EventType
  readonly data: (now: string) => Json
}

// One story's events, in order: every event type at least once.
function* oneStory(s: Story): Generator<Step> {
  const step = (type: EventType.EventType, before?: (now: string) => void): Step => ({
    type,
    data: (now) => {
      before?.(now)
      return data(type, s, now)
    }
  })
  yield step("webset.created")
  yield step("webset.search.created")
  yield step("webset.search.updated")
  const found = 1 + Math.floor(s.random() * 3)
  for (let i = 0; i < found; i++) yield step("webset.item.created", () => (s.item = i))
  for (let i = 0; i < found; i++) yield step("webset.item.enriched", () => (s.item = i))
  yield step("webset.search.completed")
  yield step("webset.idle")
  yield step("import.created")
  yield step("import.completed")
  yield step("monitor.created")
  yield step("monitor.run.created")
  yield step("monitor.run.completed")
  yield step("monitor.updated")
  yield step("webset.export.created")
  yield step("webset.export.completed")
  yield step("webset.search.created", (now) => {
    s.search = { id: Ids.make("webset_search"), query: `${s.query}, founded after 2020`, createdAt: now, behavior: "append" }
  })
  yield step("webset.search.canceled")
  yield step("webset.paused")
  yield step("monitor.deleted")
  yield step("webset.deleted")
}

/**
 * Stories one after another, without end: the events of simulated activity. `now` gives the time a new story begins.
 *
 * @category samples
 * @since 0.4.0
 */
export function* stories(random: () => number, now: () => string): Generator<Step> {
  while (true) yield* oneStory(story(random, now()))
}
