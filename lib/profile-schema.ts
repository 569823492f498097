import { Type, type Static } from '@sinclair/typebox';

/**
 * What `feedscale run --profile` records of a run (RunResult.profile): one app instance ran under
 * clinic, the others as usual, so the same run measures the profiler's overhead. Paths are
 * relative to the job folder.
 */

/** The clinic tools an app instance can run under. */
export const ProfileToolSchema = Type.Union([Type.Literal('doctor'), Type.Literal('flame'), Type.Literal('bubbleprof')]);
export type ProfileTool = Static<typeof ProfileToolSchema>;

/** One side of the profiling overhead: nginx's upstream time to these app instances, and their CPU. */
export const ProfileOverheadSideSchema = Type.Object(
  {
    instances: Type.Array(Type.String()),
    /** Requests nginx sent them over the run (warm-up and measured window). */
    requests: Type.Integer({ minimum: 0 }),
    /** Upstream time percentiles; with several instances, their own percentiles weighted by requests. */
    p50Ms: Type.Number({ minimum: 0 }),
    p99Ms: Type.Number({ minimum: 0 }),
    /** Mean CPU per instance, as `docker stats` (100 = one core); null without container metrics. */
    cpuPercentMean: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type ProfileOverheadSide = Static<typeof ProfileOverheadSideSchema>;

/** One frame of a flame profile and its share of the busy samples (those not idle in epoll). */
export const ProfileFrameSchema = Type.Object(
  {
    /** Function name, e.g. "readFeed". */
    name: Type.String(),
    /** Source through the bundle's source map ("system/feed/feed-reads.ts:42", "fastify/lib/reply.js:120", "node:net"); absent for native frames. */
    source: Type.Optional(Type.String()),
    /** Busy samples with this frame on top of the stack (self time), and their share. */
    selfSamples: Type.Integer({ minimum: 0 }),
    selfShare: Type.Number({ minimum: 0, maximum: 1 }),
    /** Share of busy samples with this frame anywhere on the stack. */
    inclusiveShare: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);
export type ProfileFrame = Static<typeof ProfileFrameSchema>;

export const RunProfileSchema = Type.Object(
  {
    tool: ProfileToolSchema,
    /** The profiled app instance ("app-0"). */
    instance: Type.String(),
    /** clinic's output folder: runs/<plan>/<configuration>.r<repeat>.clinic (…r<repeat>.a<attempt>.clinic for a re-run). */
    dir: Type.String(),
    /** clinic's page, to open in a browser; absent when clinic wrote none (`problem` says why). */
    htmlPath: Type.Optional(Type.String()),
    /** Seconds from the end of the measured window until clinic had written its output (its analysis). */
    analysisS: Type.Optional(Type.Number({ minimum: 0 })),
    /** The profiled instance against the others of the same run; absent with one app instance or without nginx's log. */
    overhead: Type.Optional(
      Type.Object(
        {
          profiled: ProfileOverheadSideSchema,
          others: ProfileOverheadSideSchema,
          /** profiled / others - 1: 0.12 = 12% slower under the profiler. */
          p50Change: Type.Number(),
          p99Change: Type.Number(),
          cpuChange: Type.Union([Type.Number(), Type.Null()]),
        },
        { additionalProperties: false },
      ),
    ),
    /** flame only: the hottest frames by self time, from clinic's samples. */
    frames: Type.Optional(
      Type.Object(
        {
          /** Every sample of V8's tick profiler over the profile, idle or busy. */
          samples: Type.Integer({ minimum: 0 }),
          /** Waiting in epoll (an idle event loop), or no frame at all. */
          idleSamples: Type.Integer({ minimum: 0 }),
          /** Loading and compiling modules: start-up, paid once per process. */
          loadingSamples: Type.Integer({ minimum: 0 }),
          /** The rest, the request path: the base of every frame's share. */
          busySamples: Type.Integer({ minimum: 0 }),
          hottest: Type.Array(ProfileFrameSchema),
        },
        { additionalProperties: false },
      ),
    ),
    /** What went wrong collecting the profile, when something did; the run's measurements stand either way. */
    problem: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type RunProfile = Static<typeof RunProfileSchema>;
