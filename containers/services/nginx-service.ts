import type { ServiceSpec, SpecContext } from '../service-spec.ts';

export const NGINX_PORT = 80;

export interface NginxOptions {
  /** host:port of every app instance. */
  upstreams: readonly string[];
  /** Passive health check: failures within failTimeoutS that take a server out for failTimeoutS. */
  maxFails?: number;
  failTimeoutS?: number;
}

/**
 * nginx as the load balancer of 2011 (3 nginx behind an ELB; one here): round robin over the
 * app instances, passive health checks (max_fails/fail_timeout) and a retry on the next
 * upstream when one errors before answering. Non-idempotent requests are only retried when
 * they never reached an app (nginx's default), so a retry cannot double a like. A connect to an
 * app takes well under a millisecond on the stack's network; one to a dead instance (its address
 * gone) never completes, so the connect timeout is short: 500 ms, then the next upstream, instead
 * of every request routed there waiting 2 s and timing out at the client.
 */
export function nginxConf(options: NginxOptions): string {
  const maxFails = options.maxFails ?? 3;
  const failTimeoutS = options.failTimeoutS ?? 5;
  const servers = options.upstreams.map((u) => `    server ${u} max_fails=${maxFails} fail_timeout=${failTimeoutS}s;`).join('\n');
  return `worker_processes auto;
pid /tmp/nginx.pid;
error_log /dev/stderr warn;
events { worker_connections 8192; }
http {
  log_format upstream '$remote_addr "$request" $status $request_time $upstream_addr $upstream_response_time';
  # One line per request: the server-side collector reads upstream time per app instance from it.
  access_log /dev/stdout upstream buffer=32k flush=1s;
  client_body_temp_path /tmp/nginx-client-body;
  proxy_temp_path /tmp/nginx-proxy;
  client_max_body_size 1m;
  upstream app {
${servers}
    keepalive 128;
  }
  server {
    listen ${NGINX_PORT} reuseport backlog=4096;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_next_upstream error timeout http_502 http_503 http_504;
      proxy_next_upstream_tries 2;
      proxy_connect_timeout 500ms;
      proxy_read_timeout 60s;
      add_header X-Upstream $upstream_addr always;
    }
    location = /nginx/health { return 200 "ok\\n"; }
  }
}
`;
}

export function nginxService(ctx: SpecContext, options: NginxOptions, cpus?: number): ServiceSpec {
  return {
    name: 'nginx',
    tier: 'nginx',
    image: ctx.catalog.images.nginx,
    files: [{ content: nginxConf(options), target: '/etc/nginx/nginx.conf', mode: 0o644 }],
    command: ['nginx', '-g', 'daemon off;'],
    ports: [NGINX_PORT],
    cpus,
    startedWhen: { kind: 'http', path: '/nginx/health', port: NGINX_PORT },
  };
}
