import { Type, type Static } from '@sinclair/typebox';

const IdString = Type.String({ pattern: '^[1-9][0-9]{0,18}$', description: 'A 64-bit ID in decimal (system/data/ids.ts)' });

/**
 * The small, JSON-serialisable slice of a dataset that the request generator draws from
 * (summarizePopulation builds it). k6 scripts read it from a JSON file, so IDs are decimal strings.
 */
export const PopulationSchema = Type.Object(
  {
    /** A deterministic sample of user IDs in creation order; activity skew ranks them in this order. */
    userIds: Type.Array(IdString),
    /** A deterministic sample of media IDs in creation order. */
    mediaIds: Type.Array(IdString),
    /** The newest media of the celebrities, hottest first: like and view targets skew to them. */
    hotMediaIds: Type.Array(IdString),
    /** Users with the most followers, most followed first. */
    celebrityUserIds: Type.Array(IdString),
    /**
     * sessionTokens[i] is the seeded session of userIds[i] (scenarios/workload/session-tokens.ts);
     * the request generator sends it on every write by that user. Optional so populations made
     * before sessions still load; without it writes are sent unauthenticated (and get 401).
     */
    sessionTokens: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9a-f]{32}$' }))),
    /**
     * A deterministic sample of where geotagged media were taken, [lat, lng] in degrees, in
     * creation order: media.nearby draws its query points from it, so searches land where the
     * seeded check-ins are, in the same proportions (the dataset's city skew). Optional so older
     * populations still load; without it the mix cannot include media.nearby.
     */
    geoPoints: Type.Optional(
      Type.Array(Type.Tuple([Type.Number({ minimum: -90, maximum: 90 }), Type.Number({ minimum: -180, maximum: 180 })])),
    ),
  },
  { additionalProperties: false },
);
export type Population = Static<typeof PopulationSchema>;
