/**
 * `exa-webhooks verify [--secret-file F] --signature HEADER [FILE|-]`: checks one saved delivery (its raw body and its
 * `Exa-Signature` header) exactly as a receiver built on `@exa-webhooks/receiver` would. Exit 0 when it is genuine
 * (the event is printed), 1 when it is not (the reason is printed), 2 for a usage problem (nothing was checked),
 * a body larger than `listen` takes (`DeliveryBody.MAX_BODY_BYTES`, 10 MiB) among them: it is read as a stream and
 * refused at the limit, never held whole.
 *
 * @since 0.2.0
 */
import { Verifier } from "@exa-webhooks/receiver"
import { Event, Printable } from "@exa-webhooks/schema"
import { Duration, Effect, FileSystem, Option, Schema, Stdio } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as Dash from "@exa-webhooks/cli-kit/Dash"
import * as FileProblem from "@exa-webhooks/cli-kit/FileProblem"
import { Output } from "@exa-webhooks/cli-kit/Output"
import * as DeliveryBody from "./DeliveryBody.ts"
import * as SigningSecrets from "./SigningSecrets.ts"
import { UsageError } from "@exa-webhooks/cli-kit/UsageError"

const encodeEvent = Schema.encodeSync(Event.Event)

// `--signature 'Exa-Signature: t=...'` (a header line copied whole) is read as the header's value.
const headerValue = (value: string) => value.replace(/^\s*exa-signature\s*:/i, "").trim()

// The body comes from standard input when no file, or -, is given.
const bodyFromStdin = (file: Option.Option<string>) => Option.isNone(file) || Dash.isDash(file.value)

const readBody = Effect.fn("Verify.readBody")(function*(file: Option.Option<string>) {
  const stdin = bodyFromStdin(file)
  const source = Option.isNone(file) || stdin ? "stdin" : file.value
  const body = yield* (stdin
    ? Stdio.Stdio.use((stdio) => DeliveryBody.collect(stdio.stdin)).pipe(
      Effect.mapError((error) => new UsageError({ message: `cannot read the body from stdin (${error.message})` }))
    )
    : FileSystem.FileSystem.use((fs) => DeliveryBody.collect(fs.stream(source))).pipe(
      Effect.mapError((error) =>
        new UsageError({
          message: `cannot read the body from ${source} (${FileProblem.of(error, source)}); pass the file holding the ` +
            "delivery's raw body, or - for stdin"
        })
      )
    ))
  if (body === undefined) {
    return yield* new UsageError({
      message: `the body ${stdin ? "on stdin" : `in ${source}`} is larger than ${DeliveryBody.MAX_BODY_BYTES} bytes (10 MiB), more than any ` +
        "delivery (listen refuses such a body with 413); nothing was checked"
    })
  }
  return body
})

/**
 * The command.
 *
 * @since 0.2.0
 */
export const command = Command.make(
  "verify",
  {
    secretFile: SigningSecrets.secretFileFlag,
    signature: Flag.String("signature").pipe(
      Flag.withDescription("the delivery's Exa-Signature header value: t=<unix seconds>,v1=<hex>"),
      Flag.withMetavar("HEADER")
    ),
    tolerance: SigningSecrets.toleranceFlag,
    file: Argument.String("file").pipe(
      Argument.withDescription("the delivery's raw body, byte for byte (default, or -: stdin)"),
      Argument.optional
    )
  },
  Effect.fn("Verify.command")(function*(flags) {
    const toleranceSeconds = flags.tolerance
    if (Option.isSome(flags.secretFile) && Dash.isDash(flags.secretFile.value) && bodyFromStdin(flags.file)) {
      return yield* new UsageError({
        message: "--secret-file - and the body both read standard input; pass the body as a FILE, or the secret in a " +
          `file or ${Verifier.SECRET_ENV}`
      })
    }
    const secrets = yield* SigningSecrets.read(flags.secretFile)
    const body = yield* readBody(flags.file)
    const event = yield* Verifier.verify(
      { body, signature: headerValue(flags.signature) },
      { secrets, tolerance: Duration.seconds(toleranceSeconds) }
    )
    yield* (yield* Output).result(
      { valid: true, event: encodeEvent(event) },
      () => `Valid: ${Printable.escape(event.type)} ${Printable.escape(event.id)}, created ${encodeEvent(event).createdAt}.`
    )
  })
).pipe(
  Command.withDescription(
    "Check one delivery's signature: exit 0 and print the event when it is genuine, exit 1 with the reason when it " +
      "is not (missing or malformed header, timestamp outside the tolerance, no matching signature, body not an " +
      "event), exit 2 for a usage problem."
  ),
  Command.withShortDescription("check a saved delivery's signature"),
  Command.withExamples([
    {
      command: "exa-webhooks verify --secret-file ./exa.secret --signature 't=1700000000,v1=5d1c...' body.json",
      description: "exit 0 when genuine"
    }
  ])
)
