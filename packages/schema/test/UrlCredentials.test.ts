import { assert, describe, it } from "@effect/vitest"
import { UrlCredentials } from "../src/index.ts"

describe("UrlCredentials", () => {
  it("masks the password of every URL in a text, keeps the user, and changes nothing else", () => {
    assert.strictEqual(
      UrlCredentials.mask("could not reach http://user:s3cret@127.0.0.1:9/v0 (https://a:b@x.io?q=1)"),
      "could not reach http://user:****@127.0.0.1:9/v0 (https://a:****@x.io?q=1)"
    )
    assert.strictEqual(UrlCredentials.mask("https://token@api.example.com"), "https://****@api.example.com")
    assert.strictEqual(UrlCredentials.mask("https://:pw@h"), "https://:****@h")
    assert.strictEqual(UrlCredentials.mask(JSON.stringify({ url: "http://u:p%40ss@h/x" })), '{"url":"http://u:****@h/x"}')
    const untouched = "https://api.exa.ai/v0?email=a@b.c and mail me at a@b.c; https://h/p@q; http://[::1]:8080/x; http://h:80"
    assert.strictEqual(UrlCredentials.mask(untouched), untouched)
    const once = UrlCredentials.mask("http://u:p@h")
    assert.strictEqual(UrlCredentials.mask(once), once)
  })

  it("masks up to the authority's last @, so a password holding an unescaped @ is masked whole", () => {
    assert.strictEqual(UrlCredentials.mask("https://user:p@ss@host/a"), "https://user:****@host/a")
    assert.strictEqual(UrlCredentials.mask("a https://u:x@y@h/p@q b"), "a https://u:****@h/p@q b")
  })

  it("masks a user:password that forgot its @host, but not a port", () => {
    assert.strictEqual(UrlCredentials.mask("got redis://user:hunter2 and redis://user:hunter2/0"), "got redis://user:**** and redis://user:****/0")
    for (const text of ["redis://cache:6379/0", "the base URL (http://127.0.0.1:44241)", "at http://h:80, then http://h:8080.", "http://h:"]) {
      assert.strictEqual(UrlCredentials.mask(text), text)
    }
  })

  it("shows a ${NAME} reference as it is: it names where the secret is", () => {
    const text = "https://user:${HOOK_PASSWORD}@h/x https://${HOOK_TOKEN}@h/y"
    assert.strictEqual(UrlCredentials.mask(text), text)
  })

  it("rewrite is the one rule of where credentials are", () => {
    assert.strictEqual(
      UrlCredentials.rewrite("https://a:b@h and https://t@h", ({ password, user }) => `${user}|${password ?? "-"}`),
      "https://a|b@h and https://t|-@h"
    )
  })

  it("masks a value as typed up to its last @, whether or not it parses", () => {
    assert.strictEqual(UrlCredentials.maskValue("http://user:pa/ss@host:x"), "http://****@host:x")
    assert.strictEqual(UrlCredentials.maskValue("user:pw@host"), "****@host")
    assert.strictEqual(UrlCredentials.maskValue("https://user:pw"), "https://user:****")
    assert.strictEqual(UrlCredentials.maskValue("https://api.exa.ai"), "https://api.exa.ai")
  })
})
