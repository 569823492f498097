import type { PublicEndpoints } from '../app-config-for.ts';
import { CDN_PORT } from '../services/cdn-service.ts';
import { NGINX_PORT } from '../services/nginx-service.ts';
import { OBJECT_STORE_PORT } from '../services/object-store-service.ts';

/**
 * Inside a cluster, the load generator reaches the stack through a proxy in its own pod.
 *
 * Why: the k6 script sends load only to loopback addresses (scenarios/k6/lib/loopback-url.ts
 * refuses any other BASE_URL, and any presigned upload URL that is not loopback, before a
 * single request). In a k6-operator runner pod, a sidecar nginx listens on 127.0.0.1 and
 * forwards each port to one Service of the stack, so the script keeps its guard and the
 * manifest says, in one reviewable place, where the load goes. The app hands out the object
 * store and CDN at these loopback ports (kubernetesPublicEndpoints), which only a pod with the
 * proxy can follow: exactly the load generators.
 */
export const LOADGEN_ROUTES = Object.freeze([
  { name: 'nginx', listenPort: 8080, service: 'nginx', servicePort: NGINX_PORT },
  { name: 'objectstore', listenPort: OBJECT_STORE_PORT, service: 'objectstore', servicePort: OBJECT_STORE_PORT },
  { name: 'cdn', listenPort: 8081, service: 'cdn', servicePort: CDN_PORT },
] as const);

const routeUrl = (name: (typeof LOADGEN_ROUTES)[number]['name']) => `http://127.0.0.1:${LOADGEN_ROUTES.find((r) => r.name === name)!.listenPort}`;

/** BASE_URL of a k6 runner in the cluster: nginx through the runner's proxy. */
export const LOADGEN_BASE_URL = routeUrl('nginx');

/** The object store and the CDN as the load generators in the cluster reach them. */
export function kubernetesPublicEndpoints(): PublicEndpoints {
  return { objectStoreUrl: routeUrl('objectstore'), cdnUrl: routeUrl('cdn') };
}

/**
 * The proxy's nginx.conf: one HTTP server per route on 127.0.0.1, passing the Host header
 * through unchanged (presigned upload URLs are signed for 127.0.0.1:9000) and bodies
 * unbuffered and unlimited (the stack's own nginx enforces its limits). HTTP rather than a
 * TCP stream proxy, so that any nginx build serves it (Debian's nginx-light has no stream
 * module).
 */
export function loadgenProxyConf(): string {
  const servers = LOADGEN_ROUTES.map(
    (route) => `  upstream ${route.name} {
    server ${route.service}:${route.servicePort};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${route.listenPort};
    location / {
      proxy_pass http://${route.name};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_request_buffering off;
      proxy_buffering off;
      proxy_read_timeout 120s;
    }
  }`,
  ).join('\n');
  return `worker_processes 1;
pid /tmp/loadgen-proxy.pid;
error_log /dev/stderr warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_max_body_size 0;
  client_body_temp_path /tmp/loadgen-proxy-body;
  proxy_temp_path /tmp/loadgen-proxy-temp;
${servers}
}
`;
}
