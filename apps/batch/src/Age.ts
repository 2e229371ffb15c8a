/**
 * Secrets encrypted with age (https://age-encryption.org), so that a secrets journal can be committed next to its
 * manifest: `--secrets-recipient age1...` encrypts each new secret to those recipients before it is written, and an
 * identity (`--identity FILE`, or `EXA_WEBHOOKS_AGE_IDENTITY`) decrypts one. An encrypted secret is an ASCII-armored
 * age file (`-----BEGIN AGE ENCRYPTED FILE-----`), so the reference `age -d -i key.txt` reads it as it is.
 *
 * The work is the `age-encryption` package (by age's author): X25519 recipients (`age1...`, what `age-keygen` makes)
 * and the hybrid post-quantum ones (`age1pq1...`, which Debian's `age` 1.1 cannot read yet). SSH keys and plugins
 * are not supported: they need the `age` command's own machinery.
 *
 * @since 0.4.0
 */
import { Effect, FileSystem, Schema } from "effect"
import { armor, Decrypter, Encrypter } from "age-encryption"

/**
 * The environment variable of `--secrets-recipient`: recipients separated by commas, spaces or line breaks.
 *
 * @since 0.4.0
 */
export const RECIPIENTS_ENV = "EXA_WEBHOOKS_SECRETS_RECIPIENTS"

/**
 * The environment variable of `--identity`: the path of an age identity file, or the identity itself
 * (`AGE-SECRET-KEY-1...`, as a CI secret holds it).
 *
 * @since 0.4.0
 */
export const IDENTITY_ENV = "EXA_WEBHOOKS_AGE_IDENTITY"

/**
 * An age recipient could not be used, an identity could not be read, or a secret could not be decrypted with it.
 * Always before anything is sent or written: exit 2.
 *
 * @since 0.4.0
 */
export class AgeError extends Schema.TaggedError<AgeError>()("AgeError", {
  message: Schema.String
}) {}

const IDENTITY_PREFIX = "AGE-SECRET-KEY-"

const firstLine = (error: unknown) => String((error as Error)?.message ?? error).split("\n")[0]!

/**
 * Splits the value of {@link RECIPIENTS_ENV} (or of one flag) into recipients.
 *
 * @since 0.4.0
 */
export const splitRecipients = (text: string): Array<string> => text.split(/[\s,]+/).filter((part) => part !== "")

/**
 * A recipient the library accepts, or why not: a string that is not `age1...`, or whose checksum is wrong.
 *
 * @since 0.4.0
 */
export const recipientProblem = (recipient: string): string | undefined => {
  if (!recipient.startsWith("age1")) {
    return `${JSON.stringify(recipient.slice(0, 80))} is not an age recipient (they start with age1; age-keygen -y KEYFILE prints yours)`
  }
  try {
    new Encrypter().addRecipient(recipient)
    return undefined
  } catch (error) {
    return `${JSON.stringify(recipient.slice(0, 80))} is not a valid age recipient (${firstLine(error)})`
  }
}

/**
 * A list of age recipients, each checked (the rule of `--secrets-recipient` and {@link RECIPIENTS_ENV}).
 *
 * @since 0.4.0
 */
export const Recipient = Schema.String.check(
  Schema.makeFilter((recipient: string) => recipientProblem(recipient) ?? true, { expected: "an age recipient (age1...)" })
)

/**
 * Encrypts `secret` to every recipient; the ASCII-armored age file.
 *
 * @since 0.4.0
 */
export const seal = (recipients: ReadonlyArray<string>, secret: string): Effect.Effect<string, AgeError> =>
  Effect.tryPromise({
    try: async () => {
      const encrypter = new Encrypter()
      for (const recipient of recipients) encrypter.addRecipient(recipient)
      return armor.encode(await encrypter.encrypt(secret))
    },
    catch: (error) => new AgeError({ message: `cannot encrypt a secret to the age recipients: ${firstLine(error)}` })
  })

/**
 * Identities to decrypt with, and where they came from (for messages).
 *
 * @since 0.4.0
 */
export interface Identities {
  readonly source: string
  readonly keys: ReadonlyArray<string>
}

/**
 * The identities of `value`: the identity itself when it starts with `AGE-SECRET-KEY-`, else the age identity file
 * at that path (one key per line; `#` comments and blank lines skipped, as `age-keygen` writes them).
 *
 * @since 0.4.0
 */
export const identities = Effect.fn("Age.identities")(function*(value: string, origin: string) {
  const trimmed = value.trim()
  if (trimmed.startsWith(IDENTITY_PREFIX)) {
    return { source: origin, keys: splitRecipients(trimmed) } satisfies Identities
  }
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString(trimmed).pipe(
    Effect.mapError((error) =>
      new AgeError({
        message: `${origin}: cannot read the age identity file ${trimmed} (${
          error.reason._tag === "NotFound" ? "it does not exist" : error.reason._tag === "PermissionDenied" ? "permission denied" : error.message
        })`
      })
    )
  )
  const keys = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.startsWith(IDENTITY_PREFIX))
  if (keys.length === 0) {
    return yield* new AgeError({
      message: `${origin}: ${trimmed} holds no age identity (a line AGE-SECRET-KEY-1..., as age-keygen writes); ` +
        "SSH keys and plugin identities are not supported"
    })
  }
  return { source: `${origin} (${trimmed})`, keys } satisfies Identities
})

/**
 * Decrypts one armored secret with `identities`. A secret none of them can open is an {@link AgeError} saying so.
 *
 * @since 0.4.0
 */
export const open = (keys: Identities, sealed: string, what: string): Effect.Effect<string, AgeError> =>
  Effect.tryPromise({
    try: async () => {
      const decrypter = new Decrypter()
      for (const key of keys.keys) decrypter.addIdentity(key)
      return await decrypter.decrypt(armor.decode(sealed), "text")
    },
    catch: (error) => {
      const text = firstLine(error)
      return new AgeError({
        message: /no identity matched/i.test(text)
          ? `the secret of ${what} was not encrypted to the identity of ${keys.source}; use an identity whose ` +
            "recipient was given with --secrets-recipient when it was written"
          : /invalid|malformed|bech32|checksum/i.test(text) && !/header|armor|stanza/i.test(text)
          ? `${keys.source} is not a valid age identity (${text})`
          : `cannot decrypt the secret of ${what} (${text})`
      })
    }
  })
