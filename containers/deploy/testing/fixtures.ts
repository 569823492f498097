import { OBJECT_STORE_FLAVOURS, OFFICIAL_IMAGES, type ResolvedCatalog } from '../../images/image-catalog.ts';

/** The official catalog as `feedscale deploy` names it, with a fixed app tag. */
export const OFFICIAL_TEST_CATALOG: ResolvedCatalog = Object.freeze({
  requested: 'official',
  kind: 'official',
  reason: 'test',
  images: Object.freeze({ ...OFFICIAL_IMAGES, app: 'feedscale/app:0123456789abcdef' }),
  objectStore: OBJECT_STORE_FLAVOURS.official,
});

/** The local catalog with fixed tags. */
export const LOCAL_TEST_CATALOG: ResolvedCatalog = Object.freeze({
  requested: 'local',
  kind: 'local',
  reason: 'test',
  images: Object.freeze({
    postgres: 'feedscale/postgres:1',
    pgbouncer: 'feedscale/pgbouncer:1',
    redis: 'feedscale/redis:1',
    memcached: 'feedscale/memcached:1',
    nginx: 'feedscale/nginx:1',
    objectstore: 'feedscale/objectstore:1',
    app: 'feedscale/app:1',
  }),
  objectStore: OBJECT_STORE_FLAVOURS.local,
});

/** A stand-in for the bundled k6 script and population: the renderers treat both as opaque text. */
export const K6_TEST_INPUTS = Object.freeze({
  script: 'import http from "k6/http";\nexport default function () { http.get(__ENV.BASE_URL); }\n',
  populationJson: '{"userIds":["1"],"mediaIds":["2"],"hotMediaIds":[],"celebrityUserIds":[]}',
  seed: 2011006033,
  k6Image: 'grafana/k6:1.3.0',
  proxyImage: OFFICIAL_IMAGES.nginx,
});
