/**
 * Redaction of the API key from text that is shown (error messages and fields, log lines, span attributes), never
 * from the data a caller receives: a key that also occurs in a webhook's metadata must come back intact.
 *
 * A server may echo the key partly (`sk-LEAKCHECK********cdef`), so every run of {@link MIN_RUN} or more characters
 * of the key is replaced, not only the whole key.
 */

/** Shortest run of the key's characters that counts as an echo of it (the whole key when it is shorter). */
export const MIN_RUN = 8

/** What a redacted run becomes. */
export const MARK = "<redacted>"

/** Builds the function that redacts `secret` from text. */
export const redactor = (secret: string): (text: string) => string => {
  if (secret.length === 0) return (text) => text
  const run = Math.min(MIN_RUN, secret.length)
  const starts = new Set<string>()
  for (let i = 0; i + run <= secret.length; i++) starts.add(secret.slice(i, i + run))
  return (text) => {
    if (text.length < run) return text
    let out = ""
    let copied = 0
    let i = 0
    while (i + run <= text.length) {
      if (!starts.has(text.slice(i, i + run))) {
        i++
        continue
      }
      // Extend the run as long as it is still a piece of the key.
      let end = i + run
      while (end < text.length && secret.includes(text.slice(i, end + 1))) end++
      out += text.slice(copied, i) + MARK
      copied = end
      i = end
    }
    return out + text.slice(copied)
  }
}
