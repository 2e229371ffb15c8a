/**
 * A secret sink: `apply --secrets-to 'COMMAND'` hands each new secret to a command of the user's, which stores it where
 * the next CI job can read it (`gh secret set`, a secret manager's CLI). The command runs in `/bin/sh`, once per
 * secret, with the secret's JSON document on stdin (`namespace`, `key`, `id`, `url`, `secret`: see `SecretExport`)
 * and these variables set, none of which holds the secret: `EXA_WEBHOOK_NAMESPACE`, `EXA_WEBHOOK_KEY`,
 * `EXA_WEBHOOK_ID`, `EXA_WEBHOOK_URL`, `EXA_WEBHOOK_SECRET_NAME` (the key as a variable name,
 * `EXA_WEBHOOK_SECRET_CRM_SYNC`).
 *
 * The sink has taken a secret only when the command exited 0. A command that fails (or runs longer than a minute) is
 * run again twice, after 1 and 2 seconds; its output is never passed through (the command could echo its stdin), and
 * when it failed, the last lines of its stderr are shown with every occurrence of the secret masked.
 *
 * A sink is known by a fingerprint of its command's text, recorded in the journal with each acknowledgement and on the
 * webhook (`exa-webhooks.secret-sink`): the next apply with the same command hands over only what it has not
 * acknowledged, and a changed command receives every secret again.
 *
 * @since 0.4.0
 */
import * as NodeChildProcessSpawner from "@effect/platform-node/NodeChildProcessSpawner"
import { Printable } from "@exa-webhooks/schema"
import { Duration, Effect, Layer, Redacted, Schedule, Schema, Stream } from "effect"
import type { FileSystem, Path } from "effect"
import { ChildProcess, ChildProcessSpawner } from "effect/process"
import { createHash } from "node:crypto"
import * as SecretExport from "./SecretExport.ts"

/**
 * The sink failed for one secret after its retries; the message names the key and carries the command's masked
 * stderr.
 *
 * @since 0.4.0
 */
export class SinkError extends Schema.TaggedError<SinkError>()("SinkError", {
  key: Schema.String,
  message: Schema.String
}) {}

/**
 * The defaults: three attempts (1 s, then 2 s apart), each at most a minute.
 *
 * @since 0.4.0
 */
export const defaults = {
  attempts: 3,
  attemptTimeout: Duration.minutes(1)
} as const

/**
 * A sink.
 *
 * @since 0.4.0
 */
export interface Sink {
  /** The command's fingerprint: `sha256:` and 16 hex characters of the SHA-256 of its text. */
  readonly fingerprint: string
  /** Hands `secret` to the command; succeeds when it exited 0. */
  readonly deliver: (secret: SecretExport.Secret) => Effect.Effect<void, SinkError>
}

/**
 * The fingerprint of a sink command.
 *
 * @since 0.4.0
 */
export const fingerprint = (command: string): string =>
  `sha256:${createHash("sha256").update(command).digest("hex").slice(0, 16)}`

const TAIL_BYTES = 2048

// The last bytes of a stream, at most TAIL_BYTES of them.
const tail = (stream: Stream.Stream<Uint8Array, unknown>) =>
  Stream.runFold(stream, () => new Uint8Array(0), (kept, chunk) => {
    const joined = new Uint8Array(kept.length + chunk.length)
    joined.set(kept)
    joined.set(chunk, kept.length)
    return joined.length > TAIL_BYTES ? joined.slice(joined.length - TAIL_BYTES) : joined
  }).pipe(Effect.orElseSucceed(() => new Uint8Array(0)))

/** What a failed attempt said, with the secret masked and control characters escaped, in at most 5 lines. */
const shown = (bytes: Uint8Array, secret: string) => {
  const text = new TextDecoder().decode(bytes).split(secret).join("****")
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "")
  return lines.slice(-5).map((line) => Printable.escape(line.slice(0, 300))).join(" | ")
}

class AttemptFailed extends Schema.TaggedError<AttemptFailed>()("AttemptFailed", { message: Schema.String }) {}

/**
 * The sink of `command`, run by `/bin/sh` through effect's child process spawner.
 *
 * @since 0.4.0
 */
export const make = (
  command: string,
  options: { readonly attempts?: number | undefined; readonly attemptTimeout?: Duration.Duration | undefined } = {}
): Effect.Effect<Sink, never, ChildProcessSpawner.ChildProcessSpawner> =>
  Effect.gen(function*() {
    const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
    const attemptTimeout = options.attemptTimeout ?? defaults.attemptTimeout
    const attempts = options.attempts ?? defaults.attempts

    const once = (secret: SecretExport.Secret) =>
      Effect.scoped(Effect.gen(function*() {
        const input = new TextEncoder().encode(`${SecretExport.document(secret)}\n`)
        const handle = yield* spawner.spawn(ChildProcess.make(command, {
          shell: "/bin/sh",
          stdin: Stream.make(input),
          stdout: "pipe",
          stderr: "pipe",
          extendEnv: true,
          env: {
            EXA_WEBHOOK_NAMESPACE: secret.namespace,
            EXA_WEBHOOK_KEY: secret.key,
            EXA_WEBHOOK_ID: secret.id,
            EXA_WEBHOOK_URL: secret.url,
            EXA_WEBHOOK_SECRET_NAME: SecretExport.envName(secret.key)
          },
          killSignal: "SIGTERM",
          forceKillAfter: Duration.seconds(2)
        }))
        const [, stderr, code] = yield* Effect.all([tail(handle.stdout), tail(handle.stderr), handle.exitCode], {
          concurrency: "unbounded"
        })
        if (code !== 0) {
          const said = shown(stderr, Redacted.value(secret.secret))
          return yield* new AttemptFailed({ message: `exited ${code}${said === "" ? "" : `: ${said}`}` })
        }
      })).pipe(
        Effect.timeoutOrElse({
          duration: attemptTimeout,
          orElse: () => Effect.fail(new AttemptFailed({ message: `still running after ${Duration.format(attemptTimeout)}; stopped` }))
        }),
        Effect.catchTag("PlatformError", (error) => Effect.fail(new AttemptFailed({ message: `could not be started (${error.message})` })))
      )

    return {
      fingerprint: fingerprint(command),
      deliver: (secret) =>
        once(secret).pipe(
          Effect.retry({ schedule: Schedule.exponential("1 second"), times: attempts - 1 }),
          Effect.mapError((error) =>
            new SinkError({
              key: secret.key,
              message: `the secret sink (--secrets-to) failed ${attempts} times for ${secret.key} (${secret.id}): ` +
                `the command ${error.message}`
            })
          )
        )
    }
  })

/**
 * The spawner a sink needs (Node's), for the bins whose runner provides none.
 *
 * @since 0.4.0
 */
export const layerSpawner: Layer.Layer<ChildProcessSpawner.ChildProcessSpawner, never, FileSystem.FileSystem | Path.Path> =
  NodeChildProcessSpawner.layer
