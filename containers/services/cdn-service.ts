import type { ServiceSpec, SpecContext } from '../service-spec.ts';
import { OBJECT_STORE_PORT } from './object-store-service.ts';

export const CDN_PORT = 80;

/**
 * The CDN of 2011 (CloudFront in front of S3), as an nginx proxy cache in front of the object
 * store. `X-Cache` says HIT or MISS. Seeded media rows have no object behind them (millions
 * of files would dominate seeding); for keys under seed/ a miss in the store is answered with
 * a small placeholder image instead of a 404.
 */
const PROXY_TO_STORE = `      limit_except GET HEAD { deny all; }
      proxy_pass http://objectstore:${OBJECT_STORE_PORT};
      proxy_set_header Host objectstore:${OBJECT_STORE_PORT};
      proxy_http_version 1.1;
      proxy_cache cdn;
      proxy_cache_valid 200 1h;
      proxy_cache_lock on;
      add_header X-Cache $upstream_cache_status always;`;

export function cdnConf(): string {
  return `worker_processes 1;
pid /tmp/nginx-cdn.pid;
error_log /dev/stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  proxy_temp_path /tmp/cdn-proxy;
  proxy_cache_path /tmp/cdn-cache levels=1:2 keys_zone=cdn:16m max_size=512m inactive=1h use_temp_path=off;
  server {
    listen ${CDN_PORT};
    location = /cdn/health { return 200 "ok\\n"; }
    location = /cdn/placeholder.jpg {
      internal;
      default_type image/jpeg;
      alias /etc/feedscale/placeholder.jpg;
      add_header X-Cache PLACEHOLDER always;
    }
    location / {
${PROXY_TO_STORE}
    }
    location ~ ^/[^/]+/seed/ {
${PROXY_TO_STORE}
      proxy_intercept_errors on;
      error_page 403 404 = /cdn/placeholder.jpg;
    }
  }
}
`;
}

/** The smallest valid JPEG (a 1x1 grey pixel), served for seeded media that have no object. */
export const PLACEHOLDER_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
  'base64',
);

export function cdnService(ctx: SpecContext, cpus?: number): ServiceSpec {
  return {
    name: 'cdn',
    tier: 'cdn',
    image: ctx.catalog.images.nginx,
    files: [
      { content: cdnConf(), target: '/etc/nginx/nginx.conf', mode: 0o644 },
      { content: PLACEHOLDER_JPEG, target: '/etc/feedscale/placeholder.jpg', mode: 0o644 },
    ],
    command: ['nginx', '-g', 'daemon off;'],
    ports: [CDN_PORT],
    cpus,
    startedWhen: { kind: 'http', path: '/cdn/health', port: CDN_PORT },
  };
}
