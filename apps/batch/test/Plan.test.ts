import { assert, describe, it } from "@effect/vitest"
import { Ownership } from "@exa-webhooks/schema"
import type { Webhook } from "@exa-webhooks/schema"
import * as Plan from "../src/Plan.ts"
import { desired, remote } from "./fixtures/plan.ts"

const tagged = (namespace: string, key: string, manifest?: string) => remote(Ownership.tags(namespace, key, manifest))

const tags = (plan: Plan.Plan) => plan.actions.map((action) => `${action._tag} ${action.key ?? "-"}`).toSorted()

const options = (journaled: ReadonlyArray<Webhook.Webhook> = [], claim = false): Plan.Options => ({
  adopt: false,
  journaled: new Set(journaled.map((webhook) => webhook.id)),
  claim
})

describe("a namespace belongs to one manifest", () => {
  it("another manifest's webhooks are neither orphans nor updated; a key it holds is a conflict, never a twin", () => {
    const a1 = tagged("team", "a1", "infra/a.yaml")
    const a2 = tagged("team", "a2", "infra/a.yaml")
    const b1 = tagged("team", "b1", "infra/b.yaml")
    const plan = Plan.make("team", "infra/b.yaml", [desired("b1"), desired("a1"), desired("b2")], [a1, a2, b1], options([b1]))
    assert.deepStrictEqual(tags(plan), ["Conflict a1", "Create b2", "Foreign a2", "Unchanged b1"])
    const conflict = plan.actions.find((action) => action._tag === "Conflict")
    assert.deepInclude(conflict, { id: a1.id, claimant: "the manifest infra/a.yaml" })
    assert.deepStrictEqual([...Plan.claimants(plan)], [["the manifest infra/a.yaml", 2]])
    assert.isTrue(Plan.hasChanges(plan), "b2 is to be created")
    assert.isFalse(Plan.hasChanges(Plan.make("team", "infra/b.yaml", [desired("b1")], [a1, a2, b1], options([b1]))))
  })

  it("the namespace written in another case is another claimant, never ours", () => {
    const other = tagged("Team", "k", "infra/a.yaml")
    const plan = Plan.make("team", "infra/b.yaml", [desired("k")], [other], options([], true))
    assert.deepStrictEqual(tags(plan), ["Conflict k"])
    assert.include((plan.actions[0] as { claimant: string }).claimant, "differs from this one only in case")
  })

  it("orphans are only this manifest's: those no manifest recorded are pruned only when the journal says this manifest made them", () => {
    const mine = tagged("team", "gone", "infra/b.yaml")
    const journaled = tagged("team", "old-gone")
    const unknown = tagged("team", "someone-elses")
    const keyless = remote({ "exa-webhooks.namespace": "team" })
    const plan = Plan.make("team", "infra/b.yaml", [], [mine, journaled, unknown, keyless], options([journaled]))
    assert.deepStrictEqual(tags(plan), ["Orphan gone", "Orphan old-gone", "Unclaimed -", "Unclaimed someone-elses"])
  })

  it("a webhook no manifest recorded is claimed by the manifest that lists its key: the update adds the tag", () => {
    const legacy = tagged("team", "k")
    const plan = Plan.make("team", "infra/b.yaml", [desired("k")], [legacy], options())
    assert.deepStrictEqual(tags(plan), ["Update k"])
    const update = plan.actions[0] as Extract<Plan.Action, { _tag: "Update" }>
    assert.deepStrictEqual(update.changes, [{ field: "manifest", from: null, to: "infra/b.yaml" }])
    assert.deepStrictEqual(Plan.updateBody(plan, update), {
      metadata: { ...Ownership.tags("team", "k", "infra/b.yaml") }
    })
  })

  it("--claim takes another manifest's webhooks of this namespace over (a moved or renamed manifest)", () => {
    const moved = tagged("team", "k", "old/place.yaml")
    const gone = tagged("team", "gone", "old/place.yaml")
    const plan = Plan.make("team", "new/place.yaml", [desired("k")], [moved, gone], options([], true))
    assert.deepStrictEqual(tags(plan), ["Orphan gone", "Update k"])
    assert.deepStrictEqual((plan.actions.find((a) => a._tag === "Update") as { changes: unknown }).changes, [
      { field: "manifest", from: "old/place.yaml", to: "new/place.yaml" }
    ])
  })

  it("two under one key: a second of ours is a duplicate to delete; one no manifest recorded is left alone", () => {
    const first = tagged("team", "k", "infra/b.yaml")
    const second = tagged("team", "k", "infra/b.yaml")
    const stray = tagged("team", "k")
    const plan = Plan.make("team", "infra/b.yaml", [desired("k")], [first, second, stray], options([second]))
    assert.deepStrictEqual(tags(plan), ["Duplicate k", "Unchanged k", "Unclaimed k"])
    assert.strictEqual(plan.actions.find((a) => a._tag === "Unchanged")?.id, second.id, "the journaled one is kept")
  })
})
