// The built launcher (turbo builds before testing): prints its URL first, serves, stops on a signal.
import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { once } from "node:events"
import { fileURLToPath } from "node:url"

const BIN = fileURLToPath(new URL("../../../bin/exa-webhooks-mock", import.meta.url))

const run = (args: ReadonlyArray<string>) => {
  const child = spawn(BIN, args, { stdio: ["ignore", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
  const firstLine = new Promise<string>((resolve, reject) => {
    const check = () => {
      if (stdout.includes("\n")) resolve(stdout.split("\n")[0]!)
    }
    child.stdout.on("data", check)
    child.on("exit", (code) => reject(new Error(`exited with ${code} before printing a URL; stderr: ${stderr}`)))
  })
  // Handled here so that a run that is expected to fail leaves no unhandled rejection.
  firstLine.catch(() => undefined)
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>
  return { child, firstLine, exited, output: () => ({ stdout, stderr }) }
}

describe("bin/exa-webhooks-mock", () => {
  it("prints the base URL as its first stdout line, serves the API there, and exits 0 on SIGTERM", async () => {
    const mock = run(["--port", "0", "--api-key", "bin-key", "--fault-rate", "0"])
    const url = await mock.firstLine
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const created = await fetch(`${url}/websets/v0/webhooks`, {
      method: "POST",
      headers: { "x-api-key": "bin-key", "content-type": "application/json" },
      body: JSON.stringify({ url: "http://127.0.0.1:9/hook", events: ["webset.created"] })
    })
    expect(created.status).toBe(200)
    expect((await fetch(`${url}/websets/v0/webhooks`, { headers: { "x-api-key": "other" } })).status).toBe(401)
    expect(await (await fetch(`${url}/_mock/stats`)).json()).toMatchObject({ requests: 2, creates: 1 })
    mock.child.kill("SIGTERM")
    const [code] = await mock.exited
    expect(code).toBe(0)
    expect(mock.output().stdout).toBe(`${url}\n`)
    expect(mock.output().stderr).toBe("")
  })

  it("reports invalid flags on stderr and exits non-zero without printing a URL", async () => {
    const mock = run(["--port", "0", "--fault-rate", "1.5"])
    const [code] = await mock.exited
    expect(code).toBe(1)
    expect(mock.output().stdout).toBe("")
    expect(mock.output().stderr).toMatch(/faultRate: Expected a value between 0 and 1, got 1.5/)
  })

  it("keeps stdout empty on an unknown flag or a malformed value: one line on stderr, exit non-zero", async () => {
    for (const args of [["--port", "0", "--bogus"], ["--port", "0", "--seed", "1.5"]]) {
      const mock = run(args)
      const [code] = await mock.exited
      expect(code).toBe(1)
      expect(mock.output().stdout).toBe("")
      const stderr = mock.output().stderr.trim().split("\n")
      expect(stderr).toHaveLength(1)
      expect(stderr[0]).toMatch(/^exa-webhooks-mock: .*(--bogus|--seed).*--help/)
    }
  })

  it("--simulate emits events the Events API serves (--max-events kept); --rate-limit-headers sends them", async () => {
    const mock = run([
      "--port", "0",
      "--simulate", "100", "--simulate-count", "6", "--simulate-types", "webset.created, webset.idle",
      "--max-events", "4",
      "--rate-limit", "100", "--rate-limit-headers", "ratelimit,x-ratelimit"
    ])
    const url = await mock.firstLine
    const deadline = Date.now() + 10_000
    while ((await (await fetch(`${url}/_mock/stats`)).json() as { events: number }).events < 6 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const response = await fetch(`${url}/websets/v0/events?limit=10`, { headers: { "x-api-key": "k" } })
    const page = await response.json() as { data: Array<{ type: string }> }
    expect(page.data).toHaveLength(4)
    expect(new Set(page.data.map((e) => e.type))).toEqual(new Set(["webset.created", "webset.idle"]))
    expect(response.headers.get("ratelimit-limit")).toBe("100")
    expect(response.headers.get("x-ratelimit-remaining")).toBe("99")
    expect(response.headers.get("ratelimit-policy")).toBeNull()
    mock.child.kill("SIGTERM")
    const [code] = await mock.exited
    expect(code).toBe(0)
    expect(mock.output()).toEqual({ stdout: `${url}\n`, stderr: "" })
  })

  it("says in one stderr line what is wrong with the simulation and rate-limit header flags", async () => {
    for (
      const [args, message] of [
        [["--simulate-count", "5"], /give its rate with --simulate RATE too/],
        [["--simulate", "1", "--simulate-types", "webset.completed"], /--simulate-types.*did you mean "webset\.idle"/],
        [["--rate-limit-headers", "ratelimit"], /rateLimitHeaders: .*give rateLimit \(--rate-limit\) too/],
        [["--rate-limit", "5", "--rate-limit-headers", "draft"], /--rate-limit-headers.*"ratelimit" \| "ratelimit-policy" \| "x-ratelimit"/]
      ] as const
    ) {
      const mock = run(["--port", "0", ...args])
      const [code] = await mock.exited
      expect(code).toBe(1)
      expect(mock.output().stdout).toBe("")
      const stderr = mock.output().stderr.trim().split("\n")
      expect(stderr).toHaveLength(1)
      expect(stderr[0]).toMatch(message)
    }
  })

  it("--version prints one line, ending with a newline, and exits 0", async () => {
    const mock = run(["--version"])
    const [code] = await mock.exited
    expect(code).toBe(0)
    expect(mock.output().stdout).toMatch(/^exa-webhooks-mock v\d+\.\d+\.\d+\n$/)
  })

  it("has no --wizard (its prompts would go to stdout): refused like any unknown flag", async () => {
    const mock = run(["--port", "0", "--wizard"])
    const [code] = await mock.exited
    expect(code).toBe(1)
    expect(mock.output().stdout).toBe("")
    expect(mock.output().stderr).toMatch(/^exa-webhooks-mock: .*--wizard.*--help/)
  })
})
