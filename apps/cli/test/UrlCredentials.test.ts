import { assert, describe, it } from "@effect/vitest"
import * as UrlCredentials from "@exa-webhooks/cli-kit/UrlCredentials"

describe("UrlCredentials", () => {
  it("masks the password of every URL in a text, keeps the user, and changes nothing else", () => {
    assert.strictEqual(
      UrlCredentials.mask("could not reach http://user:s3cret@127.0.0.1:9/v0 (https://a:b@x.io?q=1)"),
      "could not reach http://user:****@127.0.0.1:9/v0 (https://a:****@x.io?q=1)"
    )
    assert.strictEqual(UrlCredentials.mask("https://token@api.example.com"), "https://****@api.example.com")
    assert.strictEqual(UrlCredentials.mask("https://:pw@h"), "https://:****@h")
    assert.strictEqual(UrlCredentials.mask(JSON.stringify({ url: "http://u:p%40ss@h/x" })), '{"url":"http://u:****@h/x"}')
    const untouched = "https://api.exa.ai/v0?email=a@b.c and mail me at a@b.c; https://h/p@q"
    assert.strictEqual(UrlCredentials.mask(untouched), untouched)
    const once = UrlCredentials.mask("http://u:p@h")
    assert.strictEqual(UrlCredentials.mask(once), once)
  })

  it("masks a value as typed up to its last @, whether or not it parses", () => {
    assert.strictEqual(UrlCredentials.maskUnparsed("http://user:pa/ss@host:x"), "http://****@host:x")
    assert.strictEqual(UrlCredentials.maskUnparsed("user:pw@host"), "****@host")
    assert.strictEqual(UrlCredentials.maskUnparsed("https://api.exa.ai"), "https://api.exa.ai")
  })
})
