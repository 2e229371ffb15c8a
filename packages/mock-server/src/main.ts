/**
 * `exa-webhooks-mock`: serves the mock standalone. The first line on stdout is the base URL (e.g.
 * `http://127.0.0.1:4010`) and nothing else is ever written to stdout; diagnostics go to stderr. SIGINT or SIGTERM
 * stops it.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { EventType } from "@exa-webhooks/schema"
import { Cause, Console, Effect, Exit, Logger, Option, Runtime, Schema, SchemaGetter } from "effect"
import { CliConfig, CliOutput, Command, Flag, GlobalFlag } from "effect/cli"
import packageJson from "../package.json" with { type: "json" }
import * as RateLimitHeaders from "./internal/rateLimitHeaders.ts"
import * as MockServer from "./MockServer.ts"

// One name, one version: the bin reports what its package says.
const NAME = "exa-webhooks-mock"

// `--rate-limit-headers ratelimit,x-ratelimit`: a comma-separated list of the forms, each named once.
const HeaderStyles = Schema.String.pipe(
  Schema.decodeTo(Schema.Array(Schema.Literals(RateLimitHeaders.STYLES)), {
    // The list as typed; each name is then checked against the forms.
    decode: SchemaGetter.transform((text: string) =>
      [...new Set(text.split(",").map((style) => style.trim()).filter((style) => style !== ""))] as Array<
        RateLimitHeaders.Style
      >
    ),
    encode: SchemaGetter.transform((styles: ReadonlyArray<string>) => styles.join(","))
  })
)

// The command's port: a fixed one that a README or a script can name (the library's default, 0, picks a free one).
const PORT = 4010

const command = Command.make(
  NAME,
  {
    port: Flag.Int("port").pipe(
      Flag.withDescription(`Port to listen on; 0 picks a free one (default ${PORT})`),
      Flag.withDefault(PORT)
    ),
    host: Flag.String("host").pipe(
      Flag.withDescription(`Address to listen on (default ${MockServer.defaults.host})`),
      Flag.withDefault(MockServer.defaults.host)
    ),
    apiKey: Flag.Redacted("api-key").pipe(
      Flag.withDescription("Accept only this API key (default: any non-empty key)"),
      Flag.optional
    ),
    rateLimit: Flag.Finite("rate-limit").pipe(
      Flag.withDescription("Requests per second allowed per API key; excess gets 429 (default: no limit)"),
      Flag.optional
    ),
    retryAfter: Flag.Boolean("retry-after").pipe(
      Flag.withDescription("Send Retry-After (seconds) on 429; --no-retry-after leaves it off"),
      Flag.withDefault(true)
    ),
    rateLimitHeaders: Flag.String("rate-limit-headers").pipe(
      Flag.withDescription(
        `Rate-limit headers to send with every response (needs --rate-limit), comma-separated: ${
          RateLimitHeaders.STYLES.join(", ")
        } (default: none, as Exa documents none)`
      ),
      Flag.withMetavar("FORMS"),
      Flag.withSchema(HeaderStyles),
      Flag.optional
    ),
    latency: Flag.Int("latency").pipe(
      Flag.withDescription(`Milliseconds added to every API response (default ${MockServer.defaults.latencyMillis})`),
      Flag.withDefault(MockServer.defaults.latencyMillis)
    ),
    faultRate: Flag.Finite("fault-rate").pipe(
      Flag.withDescription("Fraction (0..1) of API requests answered 500/502/503 before anything changes"),
      Flag.withDefault(MockServer.defaults.faultRate)
    ),
    ambiguousFaultRate: Flag.Finite("ambiguous-fault-rate").pipe(
      Flag.withDescription(
        "Fraction (0..1) of successful creates/updates/deletes that are applied and then fail (500 or dropped " +
          "connection)"
      ),
      Flag.withDefault(MockServer.defaults.ambiguousFaultRate)
    ),
    seed: Flag.Int("seed").pipe(
      Flag.withDescription("Seed of the fault sequence; the same seed replays the same faults (default: random)"),
      Flag.optional
    ),
    allowRemoteDelivery: Flag.Boolean("allow-remote-delivery").pipe(
      Flag.withDescription("Deliver events to non-loopback addresses too"),
      Flag.withDefault(MockServer.defaults.allowRemoteDelivery)
    ),
    maxWebhooks: Flag.Int("max-webhooks").pipe(
      Flag.withDescription(`Most webhooks stored at once; a create beyond it gets 409 (default ${MockServer.defaults.maxWebhooks})`),
      Flag.withDefault(MockServer.defaults.maxWebhooks)
    ),
    maxAttempts: Flag.Int("max-attempts").pipe(
      Flag.withDescription(
        `Most delivery attempts kept, all webhooks together; the oldest go first (default ${MockServer.defaults.maxAttempts})`
      ),
      Flag.withDefault(MockServer.defaults.maxAttempts)
    ),
    maxEvents: Flag.Int("max-events").pipe(
      Flag.withDescription(`Most events kept for GET /v0/events; the oldest go first (default ${MockServer.defaults.maxEvents})`),
      Flag.withDefault(MockServer.defaults.maxEvents)
    ),
    simulate: Flag.Finite("simulate").pipe(
      Flag.withDescription(
        "Simulate Webset activity: RATE events per second of mixed types, stored, listed by GET /v0/events and " +
          "delivered to subscribed webhooks (default: off)"
      ),
      Flag.withMetavar("RATE"),
      Flag.optional
    ),
    simulateTypes: Flag.String("simulate-types").pipe(
      Flag.withDescription(`With --simulate: only these event types, comma-separated (default: all ${EventType.values.length})`),
      Flag.withMetavar("TYPES"),
      Flag.withSchema(EventType.EventList),
      Flag.optional
    ),
    simulateCount: Flag.Int("simulate-count").pipe(
      Flag.withDescription("With --simulate: stop after N events (default: no end)"),
      Flag.withMetavar("N"),
      Flag.optional
    ),
    deliveryAttempts: Flag.Int("delivery-attempts").pipe(
      Flag.withDescription(`Tries per webhook and event, the first included, 1..10 (default ${MockServer.defaults.deliveryAttempts})`),
      Flag.withDefault(MockServer.defaults.deliveryAttempts)
    ),
    deliveryRetryDelay: Flag.Int("delivery-retry-delay").pipe(
      Flag.withDescription(
        `Milliseconds before the second delivery try, doubled for each later one (default ${MockServer.defaults.deliveryRetryDelayMillis})`
      ),
      Flag.withDefault(MockServer.defaults.deliveryRetryDelayMillis)
    ),
    deliveryTimeout: Flag.Int("delivery-timeout").pipe(
      Flag.withDescription(
        `Milliseconds a delivery waits for the receiver's response (default ${MockServer.defaults.deliveryTimeoutMillis})`
      ),
      Flag.withDefault(MockServer.defaults.deliveryTimeoutMillis)
    )
  },
  Effect.fn("main")(function*(flags) {
    if (Option.isNone(flags.simulate) && (Option.isSome(flags.simulateTypes) || Option.isSome(flags.simulateCount))) {
      return yield* new MockServer.InvalidOptions({
        message: "--simulate-types and --simulate-count shape simulated activity; give its rate with --simulate RATE too"
      })
    }
    const server = yield* MockServer.make({
      port: flags.port,
      host: flags.host,
      apiKey: Option.getOrUndefined(flags.apiKey),
      rateLimit: Option.getOrUndefined(flags.rateLimit),
      retryAfter: flags.retryAfter,
      rateLimitHeaders: Option.getOrUndefined(flags.rateLimitHeaders),
      latencyMillis: flags.latency,
      faultRate: flags.faultRate,
      ambiguousFaultRate: flags.ambiguousFaultRate,
      seed: Option.getOrUndefined(flags.seed),
      allowRemoteDelivery: flags.allowRemoteDelivery,
      maxWebhooks: flags.maxWebhooks,
      maxAttempts: flags.maxAttempts,
      maxEvents: flags.maxEvents,
      simulate: Option.getOrUndefined(Option.map(flags.simulate, (rate) => ({
        rate,
        types: Option.getOrUndefined(flags.simulateTypes),
        count: Option.getOrUndefined(flags.simulateCount)
      }))),
      deliveryAttempts: flags.deliveryAttempts,
      deliveryRetryDelayMillis: flags.deliveryRetryDelay,
      deliveryTimeoutMillis: flags.deliveryTimeout
    })
    yield* Console.log(server.url)
    if (flags.faultRate > 0 || flags.ambiguousFaultRate > 0) {
      yield* Console.error(`${NAME}: faults follow seed ${server.seed}; --seed ${server.seed} replays them`)
    }
    return yield* Effect.never
  }, Effect.scoped, Effect.tapError((error) => Console.error(`${NAME}: ${error.message}`)))
).pipe(
  Command.withDescription(
    "A local, stateful Exa Websets webhook and events API with rate limits, injected faults, signed deliveries and " +
      "simulated Webset activity. " +
      "Prints its base URL as the first line on stdout."
  )
)

// stdout carries only the URL, so a bad flag must not print the help page there (`url=$(exa-webhooks-mock ... | head
// -n 1)` would read "DESCRIPTION"): the reason goes to stderr in one line. Help and version asked for stay on stdout.
const presenter: CliOutput.Presenter = {
  present: (event) =>
    event._tag === "InvalidInvocation"
      ? Console.error(
        `${NAME}: ${
          event.errors.map((error) => error.message.replace(/\s*\n\s*/g, " ").trim()).join("; ")
        }; see '${NAME} --help'`
      )
      : CliOutput.defaultPresenter.present(event)
}

command.pipe(
  Command.run({ version: packageJson.version }),
  Effect.provide(CliOutput.layerPresenter(presenter)),
  // No --wizard: its prompts would go to stdout, which carries only the URL, and a server has nothing to ask.
  Effect.provide(CliConfig.layer({ builtIns: [GlobalFlag.Help, GlobalFlag.Version, GlobalFlag.Completions, GlobalFlag.LogLevel] })),
  Effect.provide(NodeServices.layer),
  // stdout carries only the URL: logs go to stderr.
  Effect.provideService(Logger.LogToStderr, true),
  NodeRuntime.runMain({
    // Errors were already printed by the handler or the CLI parser.
    disableErrorReporting: true,
    // Stopped by SIGINT/SIGTERM is how a server ends normally: exit 0, so `kill $pid; wait $pid` succeeds.
    teardown: (exit, onExit) =>
      Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? onExit(0) : Runtime.defaultTeardown(exit, onExit)
  })
)
