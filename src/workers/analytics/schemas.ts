// Wire format of metric ingest, mirroring domain/quality/types.ts (W3C webrtc-stats names). Strict objects:
// a misspelt field is a 400, not a silently missing metric.
import { z } from '@hono/zod-openapi';
import {
  CANDIDATE_TYPES,
  CONNECTION_EVENT_TYPES,
  CONNECTION_STATES,
  QUALITY_LIMITATION_REASONS,
  TRANSPORT_PROTOCOLS,
} from '../../domain/quality/types';

export const MAX_SAMPLES_PER_BATCH = 200;
export const MAX_EVENTS_PER_BATCH = 200;
export const MAX_INGEST_BODY_BYTES = 256 * 1024;
// Samples from the future beyond clock skew, or older than a day, are rejected: they would land in rollups
// nobody looks at or pretend to be live.
export const MAX_CLOCK_SKEW_MS = 60_000;
export const MAX_SAMPLE_AGE_MS = 24 * 3600_000;

const counter = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const seconds = z.number().nonnegative().max(3600);
const shortId = z.string().min(1).max(128);
const ts = z.number().int().positive().openapi({ description: 'Epoch milliseconds' });

export const SampleSchema = z
  .strictObject({
    ts,
    connection: z
      .strictObject({
        remotePeerId: shortId.optional(),
        state: z.enum(CONNECTION_STATES).optional(),
        localCandidateType: z.enum(CANDIDATE_TYPES).optional(),
        remoteCandidateType: z.enum(CANDIDATE_TYPES).optional(),
        protocol: z.enum(TRANSPORT_PROTOCOLS).optional(),
        currentRoundTripTime: seconds.optional().openapi({ description: 'Seconds (webrtc-stats)' }),
        availableOutgoingBitrate: z.number().nonnegative().max(1e11).optional().openapi({ description: 'bit/s' }),
        setupMs: z.number().nonnegative().max(600_000).optional(),
      })
      .optional(),
    inbound: z
      .strictObject({
        bytesReceived: counter.optional(),
        packetsReceived: counter.optional(),
        packetsLost: z.number().int().min(-1_000_000).max(Number.MAX_SAFE_INTEGER).optional().openapi({
          description: 'May be negative per RFC 3550 (duplicates); treated as 0',
        }),
        jitter: seconds.optional().openapi({ description: 'Seconds (webrtc-stats)' }),
        framesPerSecond: z.number().nonnegative().max(1000).optional(),
        framesDropped: counter.optional(),
        freezeCount: counter.optional(),
        frameWidth: z.number().int().nonnegative().max(16_384).optional(),
        frameHeight: z.number().int().nonnegative().max(16_384).optional(),
      })
      .optional(),
    outbound: z
      .strictObject({
        bytesSent: counter.optional(),
        packetsSent: counter.optional(),
        qualityLimitationReason: z.enum(QUALITY_LIMITATION_REASONS).optional(),
      })
      .optional(),
    p2p: z
      .strictObject({
        bytesFromPeers: counter.optional(),
        bytesFromHttp: counter.optional(),
        segmentsFromPeers: counter.optional(),
        segmentsFromHttp: counter.optional(),
        peersConnected: z.number().int().nonnegative().max(10_000).optional(),
      })
      .optional(),
  })
  .openapi('StatsSample');

export const ConnectionEventSchema = z
  .strictObject({
    ts,
    remotePeerId: shortId,
    type: z.enum(CONNECTION_EVENT_TYPES),
    localCandidateType: z.enum(CANDIDATE_TYPES).optional(),
    remoteCandidateType: z.enum(CANDIDATE_TYPES).optional(),
    protocol: z.enum(TRANSPORT_PROTOCOLS).optional(),
    setupMs: z.number().nonnegative().max(600_000).optional(),
  })
  .openapi('ConnectionEvent');

export const IngestBody = z
  .strictObject({
    sessionId: z.string().regex(/^ses_[a-z0-9]{6,40}$/, 'Not a session id'),
    peerId: z.string().regex(/^peer_[a-z0-9]{6,40}$/, 'Not a peer id'),
    videoId: z.string().max(64).optional(),
    roomId: z.string().max(64).optional(),
    samples: z.array(SampleSchema).max(MAX_SAMPLES_PER_BATCH).default([]),
    events: z.array(ConnectionEventSchema).max(MAX_EVENTS_PER_BATCH).default([]),
  })
  .refine((body) => body.samples.length + body.events.length > 0, 'Send at least one sample or event')
  .openapi('IngestBatch');

export const IngestResult = z
  .object({
    sessionId: z.string(),
    acceptedSamples: z.number().int(),
    acceptedEvents: z.number().int(),
    duplicateSamples: z.number().int().openapi({ description: 'Samples at or before the last accepted timestamp, ignored' }),
    score: z.number().nullable(),
    mos: z.number().nullable(),
    tier: z.string().nullable(),
  })
  .openapi('IngestResult');
