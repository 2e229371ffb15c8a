import { describe, expect, it } from "@effect/vitest"
import { Redacted, Schema } from "effect"
import { RedisUrl } from "../src/index.ts"

describe("RedisUrl", () => {
  it("parses host, port, database, user and password; defaults port 6379 and database 0", () => {
    const url = RedisUrl.parse("redis://ops:s3cr3t%40x@cache.internal:6380/2")!
    expect({ ...url, password: url.password && Redacted.value(url.password) }).toEqual({
      tls: false,
      host: "cache.internal",
      port: 6380,
      db: 2,
      username: "ops",
      password: "s3cr3t@x"
    })
    expect(RedisUrl.parse("rediss://cache")).toMatchObject({ tls: true, host: "cache", port: 6379, db: 0, username: undefined, password: undefined })
    expect(RedisUrl.parse("redis://:pw@127.0.0.1:7000/")).toMatchObject({ port: 7000, db: 0, username: undefined })
    expect(RedisUrl.parse("redis://[::1]:7000/1")).toMatchObject({ host: "[::1]", port: 7000, db: 1 })
  })

  it("shows a store as scheme://host:port/db, never with its user name or password", () => {
    expect(RedisUrl.display(RedisUrl.parse("redis://ops:hunter2@cache:6380/2")!)).toBe("redis://cache:6380/2")
    expect(RedisUrl.display(RedisUrl.parse("rediss://cache")!)).toBe("rediss://cache:6379/0")
    expect(String(RedisUrl.parse("redis://:hunter2@cache")!.password)).not.toContain("hunter2")
  })

  it.each([
    ["http://cache:6379", "only redis:// and rediss://"],
    ["cache:6379", "does not start with redis:// or rediss://"],
    ["redis:cache", "does not start with redis:// or rediss://"],
    ["redis://", "is not a store address"],
    ["redis://cache:6379/zero", "database number"],
    ["redis://cache:6379/0?timeout=1", "query or fragment"],
    ["redis://cache:0", "1 to 65535"],
    ["redis://ca che", "has spaces or control characters"],
    ["redis://user:pw", "what follows the host's \":\" is not a port number (a password goes before the host, followed by @)"]
  ])("refuses %s", (value, message) => {
    expect(RedisUrl.problem(value)).toContain(message)
    expect(RedisUrl.parse(value)).toBeUndefined()
  })

  it("never quotes a password in a problem", () => {
    for (const value of ["redis://u:hunter2@cache:6379/x", "redis://:hunter2@cache:99999", "redis://u:hunter2@cache/0#f"]) {
      const problem = RedisUrl.problem(value)
      expect(problem).toBeDefined()
      expect(problem).not.toContain("hunter2")
    }
  })

  // A mistyped address may be nothing but the password: no part of the value is ever repeated.
  it.each([
    "redis://user:hunter2",
    "redis://user:hunter2/0",
    "hunter2",
    "hunter2:abc",
    "hunter2@",
    "redis//hunter2",
    "redis:/hunter2",
    "redis://:hunter2@",
    "redis://hunter2 x",
    "redis://u:hunter2@cache:1/0\u001b"
  ])("never repeats any part of %j in its problem", (value) => {
    const problem = RedisUrl.problem(value)
    expect(problem).toBeDefined()
    expect(problem).not.toContain("hunter2")
    expect(problem).toContain("the value is not shown: it may hold a password")
  })

  it("is the schema's rule too", () => {
    expect(Schema.is(RedisUrl.RedisUrlString)("redis://cache:6379/0")).toBe(true)
    expect(Schema.is(RedisUrl.RedisUrlString)("redis://cache:6379/a")).toBe(false)
  })
})
