import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import { ApiError } from "../src/index.ts"

describe("ApiError", () => {
  it("summarizes the nested form", () => {
    const body = {
      error: { type: "invalid_request_error", code: "validation_error", message: "url: bad", detail: [1], requestId: "req_1" }
    }
    expect(ApiError.summarizeUnknown(body)).toEqual(Option.some({
      message: "url: bad",
      code: "validation_error",
      requestId: "req_1",
      detail: [1]
    }))
  })

  it("summarizes the flat form", () => {
    expect(ApiError.summarizeUnknown({ error: "Unauthorized", message: "Invalid API key", tag: "INVALID_API_KEY", requestId: "req_2" }))
      .toEqual(Option.some({ message: "Invalid API key", code: "INVALID_API_KEY", requestId: "req_2", detail: undefined }))
    expect(ApiError.summarizeUnknown({ error: "Not Found" })).toEqual(Option.some({
      message: "Not Found",
      code: undefined,
      requestId: undefined,
      detail: undefined
    }))
  })

  it("anything else is not an error body", () => {
    expect(ApiError.summarizeUnknown({ message: "hi" })).toEqual(Option.none())
    expect(ApiError.summarizeUnknown("<html>")).toEqual(Option.none())
  })
})
